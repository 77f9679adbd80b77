"""Multiple-choice sources: CommonsenseQA, CosmosQA, HellaSwag, Social IQa, COPA.

Each becomes ``ChoiceExample(context, choices, label)``. Where a dataset has both a
passage and a question, the question is appended to the passage, because the
encoder scores each (context, choice) pair and both must be visible to it.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format
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

# name -> (language, file, per-file reader, lineage of the original text, hub id, description)
CHOICE_SOURCES: dict[str, tuple[str, str, Callable[[Path], list], str, str | None, str]] = {
    "commonsenseqa": ("en", "csqa/train_rand_split.first4000.jsonl", read_commonsenseqa, "commonsenseqa/train",
                      "tau/commonsense_qa", "CommonsenseQA v1.11 train (random split), first 4000, 5 choices"),
    "cosmosqa": ("en", "cosmosqa/valid.csv", read_cosmosqa, "cosmosqa/dev", "allenai/cosmos_qa",
                 "CosmosQA dev (train is not available here), reading comprehension, 4 choices"),
    "hellaswag": ("en", "hellaswag/hellaswag_train.first3368.jsonl", read_hellaswag_train, "hellaswag/train",
                  "Rowan/hellaswag", "HellaSwag train, first 3368 items, 4 endings"),
    # The ru/fa files translate a 500-item sample of HellaSwag *validation*.
    "hellaswag.ru": ("ru", HELLASWAG_VAL.format("ru"), read_hellaswag_val_sample, "hellaswag/val", None,
                     "HellaSwag val 500-item sample, DeepL + human post-edited Russian, 4 endings"),
    "hellaswag.fa": ("fa", HELLASWAG_VAL.format("fa"), read_hellaswag_val_sample, "hellaswag/val", None,
                     "HellaSwag val 500-item sample, DeepL + human post-edited Persian, 4 endings"),
    "siqa": ("en", "siqa/train_1.first4000.csv", read_siqa, "siqa/train", "allenai/social_i_qa",
             "Social IQa v1.4 train rows 0-3999, 3 choices"),
    # Row-aligned machine translation of the same 4000 English train rows.
    "siqa.pt": ("pt", "siqa_pt/train_1_pt.first4000.csv", partial(read_siqa, drop_blank=True), "siqa/train", None,
                "Social IQa train rows 0-3999, Portuguese MT (SocialIQA_pt), 3 choices"),
    "copa": ("en", "copa_en/train-en.jsonl", read_copa, "copa/train", "aps/super_glue",
             "COPA train (400, SuperGLUE split as packaged by XTREME-R), 2 choices"),
}

for _name, (_language, _file, _read_one, _lineage, _hub, _description) in CHOICE_SOURCES.items():
    register_source(
        Source(
            name=_name,
            language=_language,
            format=Format.MULTIPLE_CHOICE,
            files=(_file,),
            read=partial(read_files, files=(_file,), read_one=_read_one),
            lineage=_lineage,
            description=_description,
            hub_dataset=_hub,
        )
    )
