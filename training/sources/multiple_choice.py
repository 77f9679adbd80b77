"""Multiple-choice sources: CommonsenseQA, CosmosQA, HellaSwag, Social IQa, COPA.

Each becomes ``ChoiceExample(context, choices, label)``. Where a dataset has both a
passage and a question, the question is appended to the passage, because the
encoder scores each (context, choice) pair and both must be visible to it.
All are the commonsense family (CosmosQA's reading comprehension included), the
family of the XCOPA target.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format
from evaluation.families import COMMONSENSE
from evaluation.readers import read_csv_dicts, read_jsonl
from training.sources.records import as_object, choice_label, label_id, read_files, text_field
from training.sources.registry import Source, register_source

SIQA_ANSWER_FIELDS = ("answerA", "answerB", "answerC")
SIQA_LABEL_IDS = {"A": 0, "B": 1, "C": 2}  # `correct` is a letter in both SIQA CSVs
SIQA_TEXT_FIELDS = ("context", "question", *SIQA_ANSWER_FIELDS)
COSMOSQA_ANSWER_FIELDS = ("answer0", "answer1", "answer2", "answer3")
# COPA asks for the cause or the effect of the premise; spelled out so the encoder sees it.
COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What was the effect?"}


def _choice_texts(record: dict, fields: tuple[str, ...], where: str) -> tuple[str, ...]:
    return tuple(text_field(record, field, where) for field in fields)


def read_commonsenseqa(path: Path) -> list[ChoiceExample]:
    """Original CSQA jsonl: question.stem, question.choices[{label, text}], answerKey."""
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        question = as_object(record, where).get("question")
        stem = text_field(question, "stem", where)
        choices = question.get("choices")
        if not isinstance(choices, list) or len(choices) != 5:
            raise XmixError(f"{where}: expected 5 choices, got {choices!r:.80}")
        letters = {text_field(choice, "label", where): index for index, choice in enumerate(choices)}
        texts = tuple(text_field(choice, "text", where) for choice in choices)
        examples.append(ChoiceExample(stem, texts, label_id(record.get("answerKey"), letters, where)))
    return examples


def read_cosmosqa(path: Path) -> list[ChoiceExample]:
    examples = []
    for line, row in read_csv_dicts(path):
        where = f"{path}:{line}"
        context = f"{text_field(row, 'context', where)} {text_field(row, 'question', where)}"
        choices = _choice_texts(row, COSMOSQA_ANSWER_FIELDS, where)
        examples.append(ChoiceExample(context, choices, choice_label(row.get("label"), len(choices), where)))
    return examples


def _read_hellaswag(path: Path, context_field: str) -> list[ChoiceExample]:
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        endings = as_object(record, where).get("endings")
        if not isinstance(endings, list) or len(endings) != 4 or not all(isinstance(e, str) for e in endings):
            raise XmixError(f"{where}: expected 4 string endings, got {endings!r:.80}")
        context = text_field(record, context_field, where)
        examples.append(ChoiceExample(context, tuple(endings), choice_label(record.get("label"), 4, where)))
    return examples


def read_hellaswag_train(path: Path) -> list[ChoiceExample]:
    """Original hellaswag_train.jsonl: ``ctx`` is ctx_a + " " + ctx_b."""
    return _read_hellaswag(path, "ctx")


def read_hellaswag_val_sample(path: Path) -> list[ChoiceExample]:
    """The viczon7/hellaswag-ru-fa files: ``context`` (= ctx), endings, label."""
    return _read_hellaswag(path, "context")


def read_siqa(path: Path, drop_blank: bool = False) -> list[ChoiceExample]:
    """SocialIQA_pt CSV export (en original and pt translation): leading index column.

    ``drop_blank``: the Portuguese MT left 3 of 4000 answers empty (lines 1840, 2381,
    3255); those rows are dropped rather than trained with an empty choice. In the
    English original a blank field is an error.
    """
    examples = []
    for line, row in read_csv_dicts(path):
        where = f"{path}:{line}"
        if drop_blank and any(isinstance(row.get(f), str) and not row[f].strip() for f in SIQA_TEXT_FIELDS):
            continue
        context = f"{text_field(row, 'context', where)} {text_field(row, 'question', where)}"
        choices = _choice_texts(row, SIQA_ANSWER_FIELDS, where)
        examples.append(ChoiceExample(context, choices, label_id(row.get("correct"), SIQA_LABEL_IDS, where)))
    return examples


def read_copa(path: Path) -> list[ChoiceExample]:
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        kind = as_object(record, where).get("question")
        if kind not in COPA_QUESTIONS:
            raise XmixError(f"{where}: question must be one of {', '.join(COPA_QUESTIONS)}, got {kind!r}")
        context = f"{text_field(record, 'premise', where)} {COPA_QUESTIONS[kind]}"
        choices = _choice_texts(record, ("choice1", "choice2"), where)
        examples.append(ChoiceExample(context, choices, choice_label(record.get("label"), 2, where)))
    return examples


HELLASWAG_VAL = "hellaswag/hellaswag_val_500_{}_edited.jsonl"


def _register(*, name: str, language: str, file: str, read_one: Callable[[Path], list], lineage: str,
              description: str, hub_dataset: str | None = None) -> None:
    files = (file,)
    register_source(
        Source(
            name=name,
            language=language,
            family=COMMONSENSE,
            format=Format.MULTIPLE_CHOICE,
            files=files,
            read=partial(read_files, files=files, read_one=read_one),
            lineage=lineage,
            description=description,
            hub_dataset=hub_dataset,
        )
    )


_register(name="commonsenseqa", language="en", file="csqa/train_rand_split.first4000.jsonl",
          read_one=read_commonsenseqa, lineage="commonsenseqa/train", hub_dataset="tau/commonsense_qa",
          description="CommonsenseQA v1.11 train (random split), first 4000, 5 choices")
_register(name="cosmosqa", language="en", file="cosmosqa/valid.csv", read_one=read_cosmosqa,
          lineage="cosmosqa/dev", hub_dataset="allenai/cosmos_qa",
          description="CosmosQA dev (train is not available here), reading comprehension, 4 choices")
_register(name="hellaswag", language="en", file="hellaswag/hellaswag_train.first3368.jsonl",
          read_one=read_hellaswag_train, lineage="hellaswag/train", hub_dataset="Rowan/hellaswag",
          description="HellaSwag train, first 3368 items, 4 endings")
# The ru/fa files translate a 500-item sample of HellaSwag *validation*.
_register(name="hellaswag.ru", language="ru", file=HELLASWAG_VAL.format("ru"), read_one=read_hellaswag_val_sample,
          lineage="hellaswag/val",
          description="HellaSwag val 500-item sample, DeepL + human post-edited Russian, 4 endings")
_register(name="hellaswag.fa", language="fa", file=HELLASWAG_VAL.format("fa"), read_one=read_hellaswag_val_sample,
          lineage="hellaswag/val",
          description="HellaSwag val 500-item sample, DeepL + human post-edited Persian, 4 endings")
_register(name="siqa", language="en", file="siqa/train_1.first4000.csv", read_one=read_siqa,
          lineage="siqa/train", hub_dataset="allenai/social_i_qa",
          description="Social IQa v1.4 train rows 0-3999, 3 choices")
# Row-aligned machine translation of the same 4000 English train rows.
_register(name="siqa.pt", language="pt", file="siqa_pt/train_1_pt.first4000.csv",
          read_one=partial(read_siqa, drop_blank=True), lineage="siqa/train",
          description="Social IQa train rows 0-3999, Portuguese MT (SocialIQA_pt), 3 choices")
_register(name="copa", language="en", file="copa_en/train-en.jsonl", read_one=read_copa,
          lineage="copa/train", hub_dataset="aps/super_glue",
          description="COPA train (400, SuperGLUE split as packaged by XTREME-R), 2 choices")
