"""search.seeds_per_trial: a trial's scores are the means over its seeds."""
from __future__ import annotations

import pytest

from evaluation.scores import build_scores
from sweep.trial import _mean_metrics, mean_scores, run_name


def _scores(accuracy: float, f1: float) -> dict:
    return build_scores({"xnli": {"de": {"accuracy": accuracy, "n": 10}},
                         "panx": {"de": {"f1": f1, "precision": f1, "recall": f1, "n": 7}}})


def test_mean_scores_average_every_language_metric_and_rebuild_the_aggregates():
    mean = mean_scores([_scores(40.0, 10.0), _scores(50.0, 30.0)])
    assert mean["tasks"]["xnli"]["languages"]["de"] == {"accuracy": 45.0, "n": 10}
    assert mean["tasks"]["panx"]["score"] == pytest.approx(20.0)
    assert mean["groups"]["classification"] == pytest.approx(45.0)


def test_mean_metrics_keep_the_numbers_common_to_every_seed():
    assert _mean_metrics([{"search/xtreme_r/score": 40.0, "timing/total_s": 2.0},
                          {"search/xtreme_r/score": 44.0, "timing/total_s": 4.0, "lexsim/xnli/de": 1.0}]) == {
        "search/xtreme_r/score": 42.0, "timing/total_s": 3.0}


def test_run_names_are_readable():
    assert run_name("english_only", "03", 1.0) == "english_only"
    assert run_name("none", "05", 0.5712) == "t05 en=0.57"
