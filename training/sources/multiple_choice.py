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

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format
from evaluation.families import COMMONSENSE
from evaluation.fields import as_object, choice_label, label_id, text_field
from evaluation.readers import read_csv_dicts, read_jsonl
from evaluation.targets.records import parse_each
from evaluation.targets.xcopa import read_copa, read_siqa  # one reader for a data set trained on and evaluated
from training.sources.registry import register

COSMOSQA_ANSWER_FIELDS = ("answer0", "answer1", "answer2", "answer3")
HELLASWAG_VAL = "hellaswag/hellaswag_val_500_{}_edited.jsonl"


def read_commonsenseqa(path: Path) -> list[ChoiceExample]:
    """Original CSQA jsonl: question.stem, question.choices[{label, text}], answerKey."""
    return parse_each(path, read_jsonl(path), _commonsenseqa_item)


def _commonsenseqa_item(record, where: str) -> ChoiceExample:
    question = as_object(record, where).get("question")
    stem = text_field(question, "stem", where)
    choices = question.get("choices")
    if not isinstance(choices, list) or len(choices) != 5:
        raise XmixError(f"{where}: expected 5 choices, got {choices!r:.80}")
    letters = {text_field(choice, "label", where): index for index, choice in enumerate(choices)}
    texts = tuple(text_field(choice, "text", where) for choice in choices)
    return ChoiceExample(stem, texts, label_id(record.get("answerKey"), letters, where))


def read_cosmosqa(path: Path) -> list[ChoiceExample]:
    return parse_each(path, read_csv_dicts(path), _cosmosqa_item)


def _cosmosqa_item(row, where: str) -> ChoiceExample:
    context = f"{text_field(row, 'context', where)} {text_field(row, 'question', where)}"
    choices = tuple(text_field(row, field, where) for field in COSMOSQA_ANSWER_FIELDS)
    return ChoiceExample(context, choices, choice_label(row.get("label"), len(choices), where))


def _read_hellaswag(path: Path, context_field: str) -> list[ChoiceExample]:
    return parse_each(path, read_jsonl(path), partial(_hellaswag_item, context_field=context_field))


def _hellaswag_item(record, where: str, context_field: str) -> ChoiceExample:
    endings = as_object(record, where).get("endings")
    if not isinstance(endings, list) or len(endings) != 4 or not all(isinstance(e, str) for e in endings):
        raise XmixError(f"{where}: expected 4 string endings, got {endings!r:.80}")
    context = text_field(record, context_field, where)
    return ChoiceExample(context, tuple(endings), choice_label(record.get("label"), 4, where))


def read_hellaswag_train(path: Path) -> list[ChoiceExample]:
    """Original hellaswag_train.jsonl: ``ctx`` is ctx_a + " " + ctx_b."""
    return _read_hellaswag(path, "ctx")


def read_hellaswag_val_sample(path: Path) -> list[ChoiceExample]:
    """The viczon7/hellaswag-ru-fa files: ``context`` (= ctx), endings, label."""
    return _read_hellaswag(path, "context")


_register = partial(register, family=COMMONSENSE, format=Format.MULTIPLE_CHOICE)


_register(name="commonsenseqa", language="en", files=("csqa/train_rand_split.first4000.jsonl",),
          read_one=read_commonsenseqa, lineage="commonsenseqa/train",
          description="CommonsenseQA v1.11 train (random split), first 4000, 5 choices")
_register(name="cosmosqa", language="en", files=("cosmosqa/valid.csv",), read_one=read_cosmosqa,
          lineage="cosmosqa/dev",
          description="CosmosQA dev (train is not available here), reading comprehension, 4 choices")
_register(name="hellaswag", language="en", files=("hellaswag/hellaswag_train.first3368.jsonl",),
          read_one=read_hellaswag_train, lineage="hellaswag/train",
          description="HellaSwag train, first 3368 items, 4 endings")
# The ru/fa files translate a 500-item sample of HellaSwag *validation*.
_register(name="hellaswag.ru", language="ru", files=(HELLASWAG_VAL.format("ru"),),
          read_one=read_hellaswag_val_sample, lineage="hellaswag/val",
          description="HellaSwag val 500-item sample, DeepL + human post-edited Russian, 4 endings")
_register(name="hellaswag.fa", language="fa", files=(HELLASWAG_VAL.format("fa"),),
          read_one=read_hellaswag_val_sample, lineage="hellaswag/val",
          description="HellaSwag val 500-item sample, DeepL + human post-edited Persian, 4 endings")
_register(name="siqa", language="en", files=("siqa/train_1.first4000.csv",), read_one=read_siqa,
          lineage="siqa/train",
          description="Social IQa v1.4 train rows 0-3999, 3 choices")
# Row-aligned machine translation of the same 4000 English train rows.
_register(name="siqa.pt", language="pt", files=("siqa_pt/train_1_pt.first4000.csv",),
          read_one=partial(read_siqa, drop_blank=True), lineage="siqa/train",
          description="Social IQa train rows 0-3999, Portuguese MT (SocialIQA_pt), 3 choices")
_register(name="copa", language="en", files=("copa_en/train-en.jsonl",), read_one=read_copa,
          lineage="copa/train",
          description="COPA train (400, SuperGLUE split as packaged by XTREME-R), 2 choices")
