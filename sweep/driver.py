"""``xmix sweep run``: a Tune experiment whose searcher is Optuna over the mixture.

The three baselines go first through ``points_to_evaluate``; the define-by-run
space only *suggests* (ray#35319: returned constants would override the points).
Each trial driver holds a custom ``xmix_trial_driver`` resource and no CPU: with
the default 1 CPU per driver, two concurrent drivers take both CPUs of a 2-core
machine and their Train workers never start (STACK.md).
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import optuna
import ray
from ray import tune
from ray.tune.search.optuna import OptunaSearch

from evaluation.errors import XmixError
from sweep import search_space, tracking
from sweep.analysis import log_gain_vs_lexsim
from sweep.spec import Spec
from sweep.trial import TrialContext, run_trial
from sweep.validate import build_plan
from training.data import check_plan_leakage

DRIVER_RESOURCE = "xmix_trial_driver"
SAMPLERS = {
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "gp": lambda seed: optuna.samplers.GPSampler(seed=seed),
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
}


class FinalScoreOptunaSearch(OptunaSearch):
    """OptunaSearch that ignores the loss-only progress reports.

    Stock OptunaSearch feeds every intermediate result to ``trial.report`` (for
    pruning) and fails on one without the objective; ours arrives with the last.
    """

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        if self.metric in result:
            super().on_trial_result(trial_id, result)


def storage_root(spec: Spec) -> str:
    path = spec.storage.path
    return path if "://" in path else str(Path(path).expanduser().resolve())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_ray(concurrency: int) -> None:
    if ray.is_initialized():
        return
    if os.environ.get("RAY_ADDRESS"):
        ray.init(log_to_driver=True)
    else:
        # The dashboard serves Ray's State API, which Train V2's placement-group cleaner
        # polls; without it each finished trial leaves a cleaner actor spinning.
        ray.init(num_cpus=os.cpu_count(), resources={DRIVER_RESOURCE: concurrency},
                 include_dashboard=True, dashboard_host="127.0.0.1", dashboard_port=free_port(),
                 log_to_driver=True)


def driver_resources() -> dict[str, float]:
    if ray.cluster_resources().get(DRIVER_RESOURCE):
        return {"CPU": 0, DRIVER_RESOURCE: 1}
    # A cluster started without the custom resource: a sliver of CPU keeps the drivers
    # from starving their workers.
    return {"CPU": 0.01}


def run_sweep(spec: Spec) -> dict:
    plan = build_plan(spec)
    groups = search_space.Groups.of(spec.intermediate.sources)
    leakage = check_plan_leakage(spec.intermediate.sources, plan)
    print(f"leakage guard: {leakage['trained_examples']} trained vs {leakage['evaluated_examples']} evaluated "
          f"examples, no overlap", flush=True)
    baselines = tuple(search_space.baseline_points(groups, spec.search.baselines))
    uri = tracking.absolute_tracking_uri(spec.tracking_uri())
    client = tracking.client_for(uri)
    spec_dump = spec.model_dump(mode="json")
    parent_run_id = tracking.start_sweep_run(client, spec.tracking.experiment, spec.name, spec_dump,
                                             spec.to_yaml(), spec.sha256())
    tracking.log_batch(client, parent_run_id, params={f"leakage.{k}": v for k, v in leakage.items()})
    ensure_ray(spec.search.concurrency)
    context = TrialContext(
        sweep=spec.name, spec_dump=spec_dump, plan=plan, groups=groups, baselines=baselines, tracking_uri=uri,
        parent_run_id=parent_run_id, storage_path=storage_root(spec), workers=spec.resources.workers_per_trial,
        cpus_per_worker=spec.resources.cpus_per_worker, gpus_per_worker=spec.resources.gpus_per_worker)
    searcher = FinalScoreOptunaSearch(
        space=search_space.MixtureSpace(groups), metric=spec.search.metric, mode="max",
        sampler=SAMPLERS[spec.search.sampler](spec.seed), points_to_evaluate=[p for _, p in baselines])
    # Intermediate reports carry only the loss; the objective arrives with the last one.
    os.environ["TUNE_DISABLE_STRICT_METRIC_CHECKING"] = "1"
    tuner = tune.Tuner(
        tune.with_resources(tune.with_parameters(run_trial, context=context), driver_resources()),
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=spec.search.trials,
                                    max_concurrent_trials=spec.search.concurrency),
        run_config=tune.RunConfig(name=spec.name, storage_path=storage_root(spec), verbose=1),
    )
    try:
        results = tuner.fit()
    except BaseException as error:
        tracking.fail_run(client, parent_run_id, repr(error))
        raise
    return summarise(client, parent_run_id, spec, results, uri)


def summarise(client, parent_run_id: str, spec: Spec, results, uri: str) -> dict:
    runs = tracking.trial_runs(client, parent_run_id, spec.search.metric)
    errors = [r for r in results if r.error is not None]
    if not runs:
        tracking.fail_run(client, parent_run_id, "no trial finished")
        raise RuntimeError(f"sweep {spec.name}: no trial finished ({len(errors)} failed); see the Tune log above")
    best = runs[0]
    best_score = best.data.metrics.get(spec.search.metric)
    tracking.log_batch(client, parent_run_id, metrics={f"best/{spec.search.metric}": best_score})
    client.set_tag(parent_run_id, "xmix.best_run_id", best.info.run_id)
    analysis = log_gain_vs_lexsim(client, parent_run_id, runs)
    client.set_terminated(parent_run_id, "FINISHED" if not errors else "FAILED")
    return {"parent_run_id": parent_run_id, "best_run": best, "best_score": best_score, "runs": runs,
            "failed": len(errors), "tracking_uri": uri, "analysis": analysis}
