"""Search space: mixtures on the simplex, baselines at the corners, and run first."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from sweep.search_space import (SHARE, Groups, MixtureSpace, baseline_of, baseline_points,
                                mixture_from_params, u_key)

GROUPS = Groups.of(["mnli", "squad2", "hellaswag", "pawsx.de", "mlqa.zh"])


def test_groups_split_by_language():
    assert GROUPS.english == ("mnli", "squad2", "hellaswag")
    assert GROUPS.non_english == ("pawsx.de", "mlqa.zh")


def test_random_params_give_points_on_the_simplex():
    rng = np.random.default_rng(0)
    for _ in range(200):
        params = {SHARE: rng.uniform(), **{u_key(s): rng.uniform(1e-3, 1) for s in GROUPS.english + GROUPS.non_english}}
        mixture = mixture_from_params(GROUPS, params)
        assert math.isclose(sum(mixture.values()), 1.0, abs_tol=1e-12)
        assert all(w >= 0 for w in mixture.values())
        english = sum(mixture[s] for s in GROUPS.english)
        assert math.isclose(english, params[SHARE], abs_tol=1e-12)


def test_every_u_at_the_upper_bound_gives_equal_weights():
    """GP proposes bounds: u = 1.0 for a whole group made -log(u) sum to 0 (ZeroDivisionError)."""
    params = {SHARE: 0.4, **{u_key(s): 1.0 for s in GROUPS.english}, u_key("pawsx.de"): 1.0, u_key("mlqa.zh"): 0.5}
    mixture = mixture_from_params(GROUPS, params)
    # English: 0.4 split equally; non-English: pawsx.de has -log(1) = 0, so mlqa.zh takes all 0.6.
    assert mixture == pytest.approx({"mnli": 0.4 / 3, "squad2": 0.4 / 3, "hellaswag": 0.4 / 3,
                                     "pawsx.de": 0.0, "mlqa.zh": 0.6})


def test_baselines_are_corners():
    points = dict(baseline_points(GROUPS, ["english_only", "non_english_only", "uniform"]))
    english_only = mixture_from_params(GROUPS, points["english_only"])
    assert english_only == pytest.approx({"mnli": 1 / 3, "squad2": 1 / 3, "hellaswag": 1 / 3,
                                          "pawsx.de": 0.0, "mlqa.zh": 0.0})
    non_english = mixture_from_params(GROUPS, points["non_english_only"])
    assert non_english == pytest.approx({"mnli": 0.0, "squad2": 0.0, "hellaswag": 0.0,
                                         "pawsx.de": 0.5, "mlqa.zh": 0.5})
    uniform = mixture_from_params(GROUPS, points["uniform"])
    assert uniform == pytest.approx({s: 0.2 for s in uniform})


def test_baseline_of_recognises_exact_points_only():
    points = baseline_points(GROUPS, ["english_only", "non_english_only", "uniform"])
    for name, point in points:
        assert baseline_of(point, points) == name
    moved = {**points[0][1], SHARE: 0.99}
    assert baseline_of(moved, points) == "none"


def test_optuna_search_runs_the_baselines_first():
    """ray#35319: define-by-run + points_to_evaluate; the points must really run first."""
    import ray
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch
    import optuna

    points = baseline_points(GROUPS, ["english_only", "non_english_only", "uniform"])

    def objective(config):
        started = time.time()  # concurrency 1: start times order the trials
        tune.report({"score": mixture_from_params(GROUPS, config)["mnli"], "started": started})

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        searcher = OptunaSearch(space=MixtureSpace(GROUPS), metric="score", mode="max",
                                sampler=optuna.samplers.TPESampler(seed=0), points_to_evaluate=[p for _, p in points])
        results = tune.Tuner(objective, tune_config=tune.TuneConfig(search_alg=searcher, num_samples=5,
                                                                    max_concurrent_trials=1),
                             run_config=tune.RunConfig(verbose=0)).fit()
        order = sorted(results, key=lambda r: r.metrics["started"])
        first_three = [baseline_of(r.config, points) for r in order[:3]]
        later = [baseline_of(r.config, points) for r in order[3:]]
    finally:
        ray.shutdown()
    assert first_three == ["english_only", "non_english_only", "uniform"]
    assert later == ["none", "none"]
