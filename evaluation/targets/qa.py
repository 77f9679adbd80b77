"""Shared parts of the extractive QA targets (XQuAD, MLQA, TyDiQA-GoldP).

Stage 2 for all three: XTREME-R fine-tunes on SQuAD v1.1 English train, which is
not offline (every full copy is > 4 MiB; ``../shared/data/MANIFEST.md``). The
closest real English extractive-QA training set here is **TyDiQA-GoldP English
train** (3,696 questions, full file), which XTREME itself offers as the
alternative source task (``SRC=tydiqa`` in its ``train_qa.sh``). The SQuAD files
here (``squad_v1.1/``, 8 articles) are smaller and are stage-1 sources.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from evaluation import families
from evaluation.errors import XmixError
from evaluation.examples import Format, SpanExample
from evaluation.metrics import mean_percent, squad_scores, squad_units
from evaluation.readers import read_squad
from evaluation.targets.registry import PredictionFormat, Stage2Data

TYDIQA_EN_TRAIN = "tydiqa/tydiqa.goldp.en.train.json"


def read_squad_checked(path: Path) -> list[SpanExample]:
    """``read_squad`` with a structural error (missing field) named with its file."""
    try:
        return read_squad(path)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise XmixError(f"{path}: malformed SQuAD JSON ({type(error).__name__}: {error})") from None


def read_tydiqa_file(path: Path) -> list[SpanExample]:
    """XTREME's per-language TyDiQA-GoldP files number questions within each article
    ("0", "1", ...), so ids repeat (89 distinct ids for 3,696 English questions).
    Anything keyed by qid needs them unique: each becomes "<position>/<original id>"."""
    return [replace(e, qid=f"{i}/{e.qid}") for i, e in enumerate(read_squad_checked(path))]


def read_tydiqa_english_train(root: Path) -> list[SpanExample]:
    return read_tydiqa_file(root / TYDIQA_EN_TRAIN)


QA_STAGE2 = Stage2Data(
    description="TyDiQA-GoldP English train, 3,696 questions (official: SQuAD v1.1 train, not offline)",
    files=(TYDIQA_EN_TRAIN,),
    read=read_tydiqa_english_train,
    # TyDiQA's languages are written independently (no translations): one lineage each.
    lineage="tydiqa/train/en",
)


def squad_v11(predictions: Sequence[str | None], gold_answers: Sequence[Sequence[str]],
              language: str) -> dict[str, float]:
    """``squad_scores`` as ``xmix score`` calls a QA metric; SQuAD v1.1 rules ignore the language."""
    return squad_scores(predictions, gold_answers)


def squad_v11_scores(examples: Sequence[SpanExample], predicted: Sequence[str]) -> dict[str, float]:
    """SQuAD v1.1 exact match and F1 (XQuAD, TyDiQA-GoldP), max over the gold answers."""
    return squad_scores(list(predicted), [[text for text, _ in e.answers] for e in examples])


def mlqa_scores(language: str, examples: Sequence[SpanExample], predicted: Sequence[str]) -> dict[str, float]:
    """MLQA's language-aware normalisation for the answer language."""
    return squad_scores(list(predicted), [[text for text, _ in e.answers] for e in examples], language=language)


def squad_v11_units(examples: Sequence[SpanExample], predicted: Sequence[str]):
    """(EM_i + F1_i) / 2 per question under ``squad_v11_scores``' rules (``mean_percent``)."""
    return squad_units(list(predicted), [[text for text, _ in e.answers] for e in examples])


def mlqa_units(language: str, examples: Sequence[SpanExample], predicted: Sequence[str]):
    """(EM_i + F1_i) / 2 per question under ``mlqa_scores``' rules (``mean_percent``)."""
    return squad_units(list(predicted), [[text for text, _ in e.answers] for e in examples], language=language)


def question_key(example: SpanExample, index: int) -> str:
    """The question id: one id per question in every language of a parallel set (XQuAD)."""
    return example.qid


# The Target fields every extractive QA target shares; each spreads them
# (``Target(name=..., **QA_KIND, ...)``) and adds its own scoring where it differs.
QA_KIND: dict[str, Any] = dict(
    family=families.EXTRACTIVE_QA, group="question_answering", format=Format.EXTRACTIVE_QA, stage2=QA_STAGE2,
    metric="em_f1_mean", prediction_format=PredictionFormat.ANSWERS, prediction_extensions=("json",),
    from_units=mean_percent, half_key=question_key,
)
# QA_KIND scored by SQuAD v1.1's language-blind rules (XQuAD, TyDiQA-GoldP; MLQA has its own).
SQUAD_V11_KIND: dict[str, Any] = dict(
    QA_KIND, metric_fn=squad_v11, score=squad_v11_scores, unit_scores=squad_v11_units,
)
