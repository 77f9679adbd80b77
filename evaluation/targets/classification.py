"""Shared parts of the targets scored by label accuracy (XNLI, XCOPA)."""
from __future__ import annotations

from typing import Any

from evaluation.metrics import accuracy, accuracy_units, mean_percent
from evaluation.targets.registry import PredictionFormat


def score_labels(examples, predicted_labels) -> dict[str, float]:
    return {"accuracy": accuracy([e.label for e in examples], list(predicted_labels))}


def label_units(examples, predicted_labels):
    return accuracy_units([e.label for e in examples], list(predicted_labels))


# The Target fields of a target scored by accuracy over one label per example; each
# spreads them (``Target(name=..., **LABEL_KIND, ...)``).
LABEL_KIND: dict[str, Any] = dict(
    group="classification", metric="accuracy", metric_fn=accuracy, prediction_format=PredictionFormat.LABELS,
    score=score_labels, unit_scores=label_units, from_units=mean_percent,
)
