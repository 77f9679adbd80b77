"""Scoring shared by the tagging targets (PAN-X, UD-POS)."""
from __future__ import annotations

from evaluation.metrics import tagging_scores


def score_tagging(examples, predicted_tags) -> dict[str, float]:
    return tagging_scores([list(e.tags) for e in examples], [list(p) for p in predicted_tags])
