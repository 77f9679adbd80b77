"""The stage-1 mixture sampler: which source feeds the next batch.

Each step draws one source with probability equal to its mixture weight, from a
seeded generator, so a trial re-runs with the same sequence of sources and every
DDP rank draws the same source at the same step (their gradients must belong to
the same head for the all-reduce to line up).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from evaluation.errors import XmixError


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    """Drop zero weights and rescale to sum exactly 1."""
    if any(w < 0 for w in weights.values()):
        raise XmixError(f"mixture weights must be >= 0, got {dict(weights)}")
    total = sum(weights.values())
    if total <= 0:
        raise XmixError(f"mixture weights sum to {total}: at least one source needs a positive weight")
    return {name: w / total for name, w in weights.items() if w > 0}


class MixtureSampler:
    def __init__(self, weights: Mapping[str, float], seed: int) -> None:
        self.weights = normalised(weights)
        self.names = sorted(self.weights)
        self._probabilities = np.array([self.weights[n] for n in self.names])
        self._rng = np.random.default_rng(seed)

    def draw(self) -> str:
        return self.names[self._rng.choice(len(self.names), p=self._probabilities)]
