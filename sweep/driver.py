"""``xmix sweep run``: a Tune experiment whose searcher is Optuna over the mixture.

The three baselines go first through ``points_to_evaluate``; the define-by-run
space only *suggests* (ray#35319: returned constants would override the points).
Each trial driver holds a custom ``xmix_trial_driver`` resource and no CPU: with
the default 1 CPU per driver, two concurrent drivers take both CPUs of a 2-core
machine and their Train workers never start (STACK.md).
"""
from __future__ import annotations

import json
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
from sweep.spec import Spec, spec_from_dict
from sweep.trial import TrialContext, run_trial
from sweep.validate import build_plan
from training.data import check_plan_leakage
from training.trainer import worker_resources

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


def trial_resources(spec: Spec) -> dict[str, float]:
    """in_trial: the trial's actor is the worker and holds the worker's resources.
    ray_train: the actor only drives its Train run (see driver_resources)."""
    if spec.resources.resolved_runner() == "in_trial":
        return worker_resources(spec.resources.cpus_per_worker, spec.resources.gpus_per_worker)
    return driver_resources()


def driver_resources() -> dict[str, float]:
    if ray.cluster_resources().get(DRIVER_RESOURCE):
        return {"CPU": 0, DRIVER_RESOURCE: 1}
    # A cluster started without the custom resource: a sliver of CPU keeps the drivers
    # from starving their workers.
    return {"CPU": 0.01}


STATE_FILE = "xmix-sweep.json"  # beside Tune's experiment state: what `sweep resume` needs


class SweepInterrupted(Exception):
    """Tune stopped before every trial ran (Ctrl-C); the state is saved for resume."""


def _context(spec: Spec, parent_run_id: str, uri: str) -> TrialContext:
    groups = search_space.Groups.of(spec.intermediate.sources)
    return TrialContext(
        sweep=spec.name, spec_dump=spec.model_dump(mode="json"), plan=build_plan(spec), groups=groups,
        baselines=tuple(search_space.baseline_points(groups, spec.search.baselines)), tracking_uri=uri,
        parent_run_id=parent_run_id, storage_path=storage_root(spec), workers=spec.resources.workers_per_trial,
        cpus_per_worker=spec.resources.cpus_per_worker, gpus_per_worker=spec.resources.gpus_per_worker,
        runner=spec.resources.resolved_runner())


def _trainable(context: TrialContext, spec: Spec):
    return tune.with_resources(tune.with_parameters(run_trial, context=context), trial_resources(spec))


def _state_path(storage: str, name: str) -> Path:
    if "://" in storage:
        raise XmixError(f"storage.path {storage!r}: xmix keeps its resume state on a filesystem path "
                        "(local or shared); use a mounted path to resume sweeps")
    return Path(storage) / name / STATE_FILE


def run_sweep(spec: Spec) -> dict:
    plan = build_plan(spec)
    leakage = check_plan_leakage(spec.intermediate.sources, plan)
    print(f"leakage guard: {leakage['trained_examples']} trained vs {leakage['evaluated_examples']} evaluated "
          f"examples, no overlap", flush=True)
    state_path = _state_path(storage_root(spec), spec.name)
    if (state_path.parent / "tuner.pkl").exists():
        raise XmixError(f"{state_path.parent}: a sweep named {spec.name!r} already ran here; "
                        f"resume it with `xmix sweep resume {spec.name}`, or pick another name or storage.path")
    uri = tracking.absolute_tracking_uri(spec.tracking_uri())
    client = tracking.client_for(uri)
    parent_run_id = tracking.start_sweep_run(client, spec.tracking.experiment, spec.name,
                                             spec.model_dump(mode="json"), spec.to_yaml(), spec.sha256())
    tracking.log_batch(client, parent_run_id, params={f"leakage.{k}": v for k, v in leakage.items()})
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps({"parent_run_id": parent_run_id, "tracking_uri": uri,
                                      "spec": spec.model_dump(mode="json")}, indent=2))
    ensure_ray(spec.search.concurrency)
    context = _context(spec, parent_run_id, uri)
    searcher = FinalScoreOptunaSearch(
        space=search_space.MixtureSpace(context.groups), metric=spec.search.metric, mode="max",
        sampler=SAMPLERS[spec.search.sampler](spec.seed), points_to_evaluate=[p for _, p in context.baselines])
    # Intermediate reports carry only the loss; the objective arrives with the last one.
    os.environ["TUNE_DISABLE_STRICT_METRIC_CHECKING"] = "1"
    tuner = tune.Tuner(
        _trainable(context, spec),
        # Reused trial actors keep their imports and loaded model (training.encoder_cache)
        # from one trial to the next; Ray 2.60 defaults this to False.
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=spec.search.trials,
                                    max_concurrent_trials=spec.search.concurrency, reuse_actors=True),
        run_config=tune.RunConfig(name=spec.name, storage_path=storage_root(spec), verbose=1),
    )
    return _fit(tuner, client, parent_run_id, spec, uri)


def resume_sweep(name: str, storage: str) -> dict:
    """Continue an interrupted sweep: Tune restores its trials and the pickled Optuna
    study; finished trials are not run again and each trial keeps its one child run."""
    storage = storage if "://" in storage else str(Path(storage).expanduser().resolve())
    state_path = _state_path(storage, name)
    if not state_path.is_file():
        raise XmixError(f"{state_path}: no sweep {name!r} to resume under storage {storage!r} "
                        "(give --storage, the spec's storage.path)")
    state = json.loads(state_path.read_text())
    spec = spec_from_dict(state["spec"], str(state_path))
    uri, parent_run_id = state["tracking_uri"], state["parent_run_id"]
    client = tracking.client_for(uri)
    client.set_tag(parent_run_id, "xmix.resumed", "true")
    ensure_ray(spec.search.concurrency)
    os.environ["TUNE_DISABLE_STRICT_METRIC_CHECKING"] = "1"
    tuner = tune.Tuner.restore(str(state_path.parent), _trainable(_context(spec, parent_run_id, uri), spec),
                               resume_unfinished=True, resume_errored=True)
    return _fit(tuner, client, parent_run_id, spec, uri)


def _fit(tuner, client, parent_run_id: str, spec: Spec, uri: str) -> dict:
    try:
        results = tuner.fit()
    except BaseException as error:
        tracking.fail_run(client, parent_run_id, repr(error))
        raise
    unfinished = [r for r in results if r.error is None and spec.search.metric not in (r.metrics or {})]
    if unfinished or len(results) < spec.search.trials:
        raise SweepInterrupted(f"sweep {spec.name} stopped with {len(results) - len(unfinished)} of "
                               f"{spec.search.trials} trials done; continue it with "
                               f"`xmix sweep resume {spec.name} --storage {storage_root(spec)}`")
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
            "failed": len(errors), "tracking_uri": uri, "analysis": analysis, "spec": spec}
