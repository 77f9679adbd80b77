"""XCOPA: causal commonsense reasoning, two choices; accuracy per language.

Data: cambridgeltl/xcopa ``xcopa/test.{lang}.jsonl`` (11 languages, 500 items each;
translations of the English COPA test set, hence lineage ``copa/test``), and
``xcopa/val.{lang}.jsonl`` (100 items each, translating COPA val: ``copa/val``).
Eval sets: search = val, report = test.

Each item becomes ``ChoiceExample(premise + question, (choice1, choice2), label)``,
with the question spelled out in English ("What was the cause?") for every
language. ``read_copa`` and ``read_siqa`` are also the readers of the ``copa`` and
``siqa`` stage-1 sources, so training and evaluation see the same items.

Stage 2 (XTREME-R: Social IQa English train, then COPA English train). A target
has one stage-2 data set and one shuffled stream, so the two are concatenated
rather than trained one after the other:

* Social IQa train rows 0-3999 (``siqa/train_1.first4000.csv``; official: all
  33,410), each reduced from 3 to 2 choices (the right answer and one wrong
  answer picked by a hash of the item) because a multiple-choice batch must have
  one number of choices, and COPA has 2;
* COPA English train, all 400 (``copa_en/train-en.jsonl``).

Its lineage is ``copa/train`` (the Social IQa part, lineage ``siqa/train``, has no
evaluated counterpart; its text is still hashed by the leakage guard).
"""
from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format
from evaluation.fields import as_object, choice_label, label_id, text_field
from evaluation.readers import read_csv_dicts, read_jsonl
from evaluation import families
from evaluation.targets.classification import LABEL_KIND
from evaluation.targets.records import parse_each
from evaluation.targets.registry import Stage2Data, Target, register_target

# COPA asks for the cause or the effect of the premise; spelled out so the encoder sees it.
COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What was the effect?"}
CHOICE_LABELS = ("0", "1")
SIQA_ANSWERS = ("answerA", "answerB", "answerC")
SIQA_LABEL_IDS = {"A": 0, "B": 1, "C": 2}  # `correct` is a letter in both SIQA CSVs
SIQA_TEXTS = ("context", "question", *SIQA_ANSWERS)
SIQA_TRAIN = "siqa/train_1.first4000.csv"
COPA_TRAIN = "copa_en/train-en.jsonl"
FILE_PATTERN = "xcopa/{split}.{lang}.jsonl"


def read_copa(path: Path) -> list[ChoiceExample]:
    """COPA / XCOPA jsonl: premise, choice1, choice2, question (cause|effect), label (0|1)."""
    return parse_each(path, read_jsonl(path), _copa_item)


def _copa_item(record, where: str) -> ChoiceExample:
    kind = as_object(record, where).get("question")
    if kind not in COPA_QUESTIONS:
        raise XmixError(f"{where}: question must be one of {', '.join(COPA_QUESTIONS)}, got {kind!r}")
    context = f"{text_field(record, 'premise', where)} {COPA_QUESTIONS[kind]}"
    choices = (text_field(record, "choice1", where), text_field(record, "choice2", where))
    return ChoiceExample(context, choices, choice_label(record.get("label"), 2, where))


def read_xcopa(root: Path, language: str, split: str) -> list[ChoiceExample]:
    return read_copa(root / FILE_PATTERN.format(split=split, lang=language))


def read_siqa(path: Path, drop_blank: bool = False) -> list[ChoiceExample]:
    """Social IQa CSV export (en original, pt translation), leading index column; 3 choices.

    ``drop_blank``: the Portuguese MT left 3 of 4000 answers empty (lines 1840, 2381,
    3255); those rows are dropped rather than trained with an empty choice. In the
    English original a blank field is an error.
    """
    return parse_each(path, read_csv_dicts(path), partial(_siqa_item, drop_blank=drop_blank))


def _siqa_item(row, where: str, drop_blank: bool) -> ChoiceExample | None:
    if drop_blank and any(isinstance(row.get(f), str) and not row[f].strip() for f in SIQA_TEXTS):
        return None
    context = f"{text_field(row, 'context', where)} {text_field(row, 'question', where)}"
    choices = tuple(text_field(row, field, where) for field in SIQA_ANSWERS)
    return ChoiceExample(context, choices, label_id(row.get("correct"), SIQA_LABEL_IDS, where))


def two_choices(example: ChoiceExample) -> ChoiceExample:
    """The answer and one of the two distractors, picked by a hash of the item (original order kept)."""
    wrong = [index for index in range(3) if index != example.label]
    dropped = wrong[hashlib.sha256(example.context.encode("utf-8")).digest()[0] & 1]
    kept = [index for index in range(3) if index != dropped]
    return ChoiceExample(example.context, tuple(example.choices[i] for i in kept), kept.index(example.label))


def read_stage2(root: Path) -> list[ChoiceExample]:
    return [two_choices(e) for e in read_siqa(root / SIQA_TRAIN)] + read_copa(root / COPA_TRAIN)


XCOPA = register_target(Target(
    name="xcopa",
    family=families.COMMONSENSE,
    **LABEL_KIND,
    format=Format.MULTIPLE_CHOICE,
    prediction_extensions=("tsv", "jsonl"),
    file_patterns=(FILE_PATTERN,),
    read=read_xcopa,
    splits=("val", "test"), default_split="val", report_split="test",
    labels=CHOICE_LABELS,
    stage2=Stage2Data(
        description="Social IQa English train rows 0-3999 reduced to 2 choices, plus COPA English train (400), "
                    "concatenated (official: all 33k SIQA, then COPA, in sequence)",
        files=(SIQA_TRAIN, COPA_TRAIN),
        read=read_stage2,
        lineage="copa/train",
    ),
    lineage_pattern="copa/{split}",
    description="causal commonsense reasoning, 2 choices; accuracy",
))
