"""Scoring shared by the tagging targets (PAN-X, UD-POS)."""
from __future__ import annotations

from evaluation.examples import Example
from evaluation.metrics import tagging_scores, tagging_units


def score_tagging(examples, predicted_tags) -> dict[str, float]:
    return tagging_scores([list(e.tags) for e in examples], [list(p) for p in predicted_tags])


def unit_scores_tagging(examples, predicted_tags):
    """(tp, fp, fn) of seqeval's entities per sentence (``seqeval_f1_from_units``)."""
    return tagging_units([list(e.tags) for e in examples], [list(p) for p in predicted_tags])


def sentence_key(example: Example, index: int) -> str:
    """The sentence itself: a sentence repeated in the file lands in one half only."""
    return " ".join(example.tokens)
