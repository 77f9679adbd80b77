"""Scoring shared by the tagging targets (PAN-X, UD-POS)."""
from __future__ import annotations

from typing import Any

from evaluation.examples import Example, Format
from evaluation.metrics import seqeval_f1_from_units, tagging_scores, tagging_units
from evaluation.targets.registry import PredictionFormat


def score_tagging(examples, predicted_tags) -> dict[str, float]:
    return tagging_scores([list(e.tags) for e in examples], [list(p) for p in predicted_tags])


def unit_scores_tagging(examples, predicted_tags):
    """(tp, fp, fn) of seqeval's entities per sentence (``seqeval_f1_from_units``)."""
    return tagging_units([list(e.tags) for e in examples], [list(p) for p in predicted_tags])


def sentence_key(example: Example, index: int) -> str:
    """The sentence itself: a sentence repeated in the file lands in one half only."""
    return " ".join(example.tokens)


# The Target fields that make a target a tagging task scored with seqeval F1; each
# tagging target spreads them (``Target(name=..., **TAGGING_KIND, ...)``).
TAGGING_KIND: dict[str, Any] = dict(
    group="structured_prediction", format=Format.TAGGING, half_key=sentence_key,
    metric="f1", metric_fn=tagging_scores, prediction_format=PredictionFormat.TAGS,
    score=score_tagging, unit_scores=unit_scores_tagging, from_units=seqeval_f1_from_units,
)
