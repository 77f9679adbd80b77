"""The stage-1 sampler draws each source with probability equal to its weight."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from evaluation.errors import XmixError
from training.mixture import MixtureSampler


def _draws(sampler: MixtureSampler, count: int) -> list[str]:
    return [sampler.draw() for _ in range(count)]  # as the training loop draws, one per step


def test_empirical_frequencies_match_weights():
    weights = {"mnli": 0.5, "pawsx.de": 0.3, "squad2": 0.15, "mlqa.zh": 0.05}
    draws = _draws(MixtureSampler(weights, seed=3), 40_000)
    names = sorted(weights)
    observed = np.array([draws.count(n) for n in names])
    expected = np.array([weights[n] for n in names]) * len(draws)
    # Chi-square goodness of fit: a wrong mapping of names to weights gives p ~ 0.
    assert chisquare(observed, expected).pvalue > 0.001
    assert np.allclose(observed / len(draws), expected / len(draws), atol=0.01)


def test_zero_weight_sources_are_never_drawn():
    draws = _draws(MixtureSampler({"mnli": 1.0, "qqp": 0.0}, seed=0), 1000)
    assert set(draws) == {"mnli"}


def test_same_seed_same_sequence_other_seed_differs():
    weights = {"a": 0.5, "b": 0.5}
    assert _draws(MixtureSampler(weights, 7), 50) == _draws(MixtureSampler(weights, 7), 50)
    assert _draws(MixtureSampler(weights, 7), 50) != _draws(MixtureSampler(weights, 8), 50)


@pytest.mark.parametrize("weights", [{"a": -0.1, "b": 1.1}, {"a": 0.0}])
def test_invalid_weights_are_errors(weights):
    with pytest.raises(XmixError):
        MixtureSampler(weights, 0)
