"""XCOPA: causal commonsense reasoning, two choices; accuracy per language.

Data: cambridgeltl/xcopa ``xcopa/test.{lang}.jsonl`` (11 languages, 500 items each;
translations of the English COPA test set, hence lineage ``copa/test``), and
``xcopa/val.{lang}.jsonl`` (100 items each, translating COPA val: ``copa/val``).
Eval sets: search = val, report = test.

Each item becomes ``ChoiceExample(premise + question, (choice1, choice2), label)``,
with the question spelled out in English ("What was the cause?") for every
language, as the ``copa`` stage-1 source does, so the two agree.

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
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format
from evaluation.metrics import accuracy, accuracy_units, mean_percent
from evaluation.readers import read_csv_dicts, read_jsonl
from evaluation import families
from evaluation.targets.registry import Stage2Data, Target, register_target

COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What was the effect?"}
CHOICE_LABELS = ("0", "1")
SIQA_ANSWERS = ("answerA", "answerB", "answerC")
SIQA_LETTERS = {"A": 0, "B": 1, "C": 2}
SIQA_TRAIN = "siqa/train_1.first4000.csv"
COPA_TRAIN = "copa_en/train-en.jsonl"


def _text(record: dict, key: str, where: str) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise XmixError(f"{where}: field {key!r} must be a non-empty string, got {value!r:.80}")
    return value


def read_copa_file(path: Path) -> list[ChoiceExample]:
    """COPA / XCOPA jsonl: premise, choice1, choice2, question (cause|effect), label (0|1)."""
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        kind = record.get("question") if isinstance(record, dict) else None
        if kind not in COPA_QUESTIONS:
            raise XmixError(f"{where}: question must be one of {', '.join(COPA_QUESTIONS)}, got {kind!r}")
        label = record.get("label")
        if label not in (0, 1):
            raise XmixError(f"{where}: label must be 0 or 1, got {label!r}")
        context = f"{_text(record, 'premise', where)} {COPA_QUESTIONS[kind]}"
        examples.append(ChoiceExample(context, (_text(record, "choice1", where), _text(record, "choice2", where)),
                                      label))
    return examples


def read_xcopa(root: Path, language: str, split: str) -> list[ChoiceExample]:
    return read_copa_file(root / f"xcopa/{split}.{language}.jsonl")


def read_siqa_two_choices(path: Path) -> list[ChoiceExample]:
    """Social IQa CSV (leading index column) -> 2-choice items: the answer and one distractor."""
    examples = []
    for line, row in read_csv_dicts(path):
        where = f"{path}:{line}"
        context = f"{_text(row, 'context', where)} {_text(row, 'question', where)}"
        answers = [_text(row, field, where) for field in SIQA_ANSWERS]
        letter = (row.get("correct") or "").strip()
        if letter not in SIQA_LETTERS:
            raise XmixError(f"{where}: correct must be one of A, B, C, got {letter!r}")
        right = SIQA_LETTERS[letter]
        wrong = [index for index in range(3) if index != right]
        dropped = wrong[hashlib.sha256(context.encode("utf-8")).digest()[0] & 1]
        kept = [index for index in range(3) if index != dropped]  # original order kept
        examples.append(ChoiceExample(context, tuple(answers[i] for i in kept), kept.index(right)))
    return examples


def read_stage2(root: Path) -> list[ChoiceExample]:
    return read_siqa_two_choices(root / SIQA_TRAIN) + read_copa_file(root / COPA_TRAIN)


def score_xcopa(examples, predicted_labels) -> dict[str, float]:
    return {"accuracy": accuracy([e.label for e in examples], list(predicted_labels))}


def xcopa_units(examples, predicted_labels):
    return accuracy_units([e.label for e in examples], list(predicted_labels))


XCOPA = register_target(Target(
    name="xcopa",
    family=families.COMMONSENSE,
    format=Format.MULTIPLE_CHOICE,
    file_patterns=("xcopa/{split}.{lang}.jsonl",),
    read=read_xcopa,
    score=score_xcopa,
    unit_scores=xcopa_units,
    from_units=mean_percent,
    splits=("val", "test"),
    default_split="val",
    report_split="test",
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
