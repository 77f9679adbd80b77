"""``xmix sweep run``: a search phase, then (with ``search.confirm``) a confirmation
phase and the verdict.

Search: a Tune experiment whose searcher is Optuna over the mixture. The baselines
go first through ``points_to_evaluate``; the define-by-run space only *suggests*
(ray#35319: returned constants would override the points). Confirmation: a second
Tune experiment (``<name>-confirm``) over a fixed list of (configuration, seed)
jobs chosen from the search (sweep.confirm). Both resume from their Tune state.

Each ray_train trial driver holds a custom ``xmix_trial_driver`` resource and no
CPU: with the default 1 CPU per driver, two concurrent drivers take both CPUs of a
2-core machine and their Train workers never start (STACK.md).
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
from evaluation.hub.prepare import read_manifest
from sweep import recovery, search_space, tracking
from sweep.analysis import log_gain_vs_lexsim
from sweep.confirm import confirm_jobs, search_seeds
from sweep.outcome import degenerate_warnings, log_verdict, zero_shot_tags
from sweep.spec import Spec, spec_from_dict
from sweep.trial import TrialContext, run_confirm, run_trial
from sweep.validate import build_plan
from training.data import check_plan_leakage, leakage_line
from training.plan import REPORT, SEARCH, TrialPlan
from training.trainer import worker_resources
from training.zero_shot import zero_shot_problems

DRIVER_RESOURCE = "xmix_trial_driver"
# multivariate TPE models the parameters jointly, which simplex weights need; the
# constant liar keeps concurrent trials from being proposed the same point.
SAMPLERS = {
    "tpe": lambda seed, startup: optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup,
                                                            multivariate=True, constant_liar=True),
    "gp": lambda seed, startup: optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup),
    "random": lambda seed, startup: optuna.samplers.RandomSampler(seed=seed),
}


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


def trial_resources(plan: TrialPlan) -> dict[str, float]:
    """in_trial: the trial's actor is the worker and holds the worker's resources.
    ray_train: the actor only drives its Train run (see driver_resources)."""
    if plan.runner == "in_trial":
        return worker_resources(plan.cpus_per_worker, plan.gpus_per_worker)
    return driver_resources()


def driver_resources() -> dict[str, float]:
    if ray.cluster_resources().get(DRIVER_RESOURCE):
        return {"CPU": 0, DRIVER_RESOURCE: 1}
    # A cluster started without the custom resource: a sliver of CPU keeps the drivers
    # from starving their workers.
    return {"CPU": 0.01}


STATE_FILE = "xmix-sweep.json"  # beside Tune's experiment state: what `sweep resume` needs
CONFIRM_SUFFIX = "-confirm"  # the confirmation phase's Tune experiment: <name>-confirm


class SweepInterrupted(Exception):
    """Tune stopped before every trial ran (Ctrl-C); the state is saved for resume."""


def _objective(spec: Spec) -> str:
    return f"{SEARCH}/{spec.search.metric}"


def _context(spec: Spec, plan: TrialPlan, parent_run_id: str, uri: str) -> TrialContext:
    groups = search_space.Groups.of(spec.intermediate.sources)
    return TrialContext(
        sweep=spec.name, spec_dump=spec.model_dump(mode="json"), plan=plan, groups=groups,
        baselines=tuple(search_space.baseline_points(groups, spec.search.baselines)),
        search_seeds=search_seeds(spec), tracking_uri=uri, parent_run_id=parent_run_id,
        storage_path=storage_root(spec))


def _state_path(storage: str, name: str) -> Path:
    if "://" in storage:
        raise XmixError(f"storage.path {storage!r}: xmix keeps its resume state on a filesystem path "
                        "(local or shared); use a mounted path to resume sweeps")
    return Path(storage) / name / STATE_FILE


def _write_state(path: Path, state: dict) -> None:
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(state, indent=2))
    staging.replace(path)  # a crash never leaves half a state file


def run_sweep(spec: Spec, plan: TrialPlan | None = None) -> dict:
    """``plan``: ``build_plan(spec)``, when the caller has built it already."""
    plan = plan or build_plan(spec)
    uri = tracking.absolute_tracking_uri(spec.tracking_uri())
    tracking.require_reachable(uri)
    leakage = check_plan_leakage(plan)
    print(leakage_line(leakage), flush=True)
    clashes = zero_shot_problems(plan.sources, [(t.name, t.languages) for t in plan.targets])
    state_path = _state_path(storage_root(spec), spec.name)
    if (state_path.parent / "tuner.pkl").exists():
        raise XmixError(f"{state_path.parent}: a sweep named {spec.name!r} already ran here; "
                        f"resume it with `xmix sweep resume {spec.name}`, or pick another name or storage.path")
    _recover_unstarted(state_path, spec.name)
    client = tracking.client_for(uri)
    parent_run_id = tracking.start_sweep_run(client, spec.tracking.experiment, spec.name,
                                             spec.model_dump(mode="json"), spec.to_yaml(), spec.sha256())
    tracking.log_batch(client, parent_run_id, params={f"leakage.{k}": v for k, v in leakage.items()},
                       tags=zero_shot_tags(clashes))
    tracking.log_data_manifest(client, parent_run_id, read_manifest(plan.data_root))
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state = {"parent_run_id": parent_run_id, "tracking_uri": uri, "spec": spec.model_dump(mode="json"),
             "plan": plan.to_dict(), "phase": SEARCH}
    _write_state(state_path, state)
    context = _context(spec, plan, parent_run_id, uri)
    with _driving(state_path.parent, spec):
        searcher = OptunaSearch(
            space=search_space.MixtureSpace(context.groups), metric=_objective(spec), mode="max",
            sampler=SAMPLERS[spec.search.sampler](spec.seed, spec.search.startup_trials),
            points_to_evaluate=[p for _, p in context.baselines])
        tuner = tune.Tuner(
            tune.with_resources(tune.with_parameters(run_trial, context=context), trial_resources(plan)),
            # Reused trial actors keep their imports and loaded model (training.encoder_cache)
            # from one trial to the next; Ray 2.60 defaults this to False.
            tune_config=tune.TuneConfig(search_alg=searcher, num_samples=spec.search.trials,
                                        max_concurrent_trials=spec.search.concurrency, reuse_actors=True),
            run_config=_run_config(spec, spec.name, storage_root(spec)),
        )
        return _run_phases(tuner, client, spec, context, state, state_path)


def _run_config(spec: Spec, name: str, storage: str) -> tune.RunConfig:
    # A trial whose actor died is run again (it adopts its MLflow child run).
    return tune.RunConfig(name=name, storage_path=storage, verbose=1,
                          failure_config=tune.FailureConfig(max_failures=spec.resources.resolved_max_failures()))


class _driving:
    """Ray up, and this driver's processes on record (sweep.recovery) until it ends."""

    def __init__(self, folder: Path, spec: Spec):
        self.record, self.spec = recovery.DriverRecord(folder), spec

    def __enter__(self):
        self.record.start()
        ensure_ray(self.spec.search.concurrency)
        self.record.write()
        return self

    def __exit__(self, *exc) -> None:
        self.record.stop()


def _recover_unstarted(state_path: Path, name: str) -> None:
    """A driver killed before its search had any Tune state: end what it left, and its parent run."""
    if not state_path.is_file():
        return
    old = json.loads(state_path.read_text())
    note = recovery.recover(state_path.parent, name, old.get("tracking_uri"), old.get("parent_run_id"))
    if note and old.get("parent_run_id"):
        tracking.fail_run(tracking.client_for(old["tracking_uri"]), old["parent_run_id"],
                          "its driver died before any trial; a new run of the sweep replaced it", status="KILLED")
    if note:
        print(note, flush=True)


def resume_sweep(name: str, storage: str) -> dict:
    """Continue an interrupted sweep in whichever phase it stopped: Tune restores its trials
    (and the pickled Optuna study); finished trials are not run again and each trial keeps
    its one child run. What a killed driver left (processes, RUNNING runs) is ended first."""
    storage = storage if "://" in storage else str(Path(storage).expanduser().resolve())
    state_path = _state_path(storage, name)
    if not state_path.is_file():
        raise XmixError(f"{state_path}: no sweep {name!r} to resume under storage {storage!r} "
                        "(give --storage, the spec's storage.path)")
    state = json.loads(state_path.read_text())
    spec = spec_from_dict(state["spec"], str(state_path))
    plan = TrialPlan.from_dict(state["plan"]) if "plan" in state else build_plan(spec)
    uri, parent_run_id = state["tracking_uri"], state["parent_run_id"]
    tracking.require_reachable(uri)
    note = recovery.recover(state_path.parent, name, uri, parent_run_id)
    if note:
        print(note, flush=True)
    client = tracking.client_for(uri)
    client.set_tag(parent_run_id, "xmix.resumed", "true")
    client.update_run(parent_run_id, status="RUNNING")
    context = _context(spec, plan, parent_run_id, uri)
    with _driving(state_path.parent, spec):
        tuner = None
        if state.get("phase", SEARCH) == SEARCH:
            trainable = tune.with_resources(tune.with_parameters(run_trial, context=context), trial_resources(plan))
            tuner = tune.Tuner.restore(str(state_path.parent), trainable, resume_unfinished=True,
                                       resume_errored=True)
        return _run_phases(tuner, client, spec, context, state, state_path)


def _finite(metrics: dict | None, key: str) -> bool:
    """A trial's last result holds its score (loss reports carry NaN in its place)."""
    value = (metrics or {}).get(key)
    return isinstance(value, (int, float)) and value == value


def _fit(tuner, client, spec: Spec, parent_run_id: str, expected: int, metric: str):
    try:
        results = tuner.fit()
    except (KeyboardInterrupt, SystemExit):
        tracking.fail_run(client, parent_run_id, None, status="KILLED")
        raise
    except BaseException as error:
        tracking.fail_run(client, parent_run_id, repr(error))
        raise
    unfinished = [r for r in results if r.error is None and not _finite(r.metrics, metric)]
    if unfinished or len(results) < expected:
        tracking.fail_run(client, parent_run_id, None, status="KILLED")  # resume sets it RUNNING again
        raise SweepInterrupted(f"sweep {spec.name} stopped with {len(results) - len(unfinished)} of "
                               f"{expected} runs of this phase done; continue it with "
                               f"`xmix sweep resume {spec.name} --storage {storage_root(spec)}`")
    return results


def _run_phases(tuner, client, spec: Spec, context: TrialContext, state: dict, state_path: Path) -> dict:
    parent_run_id = context.parent_run_id
    failed = 0
    if tuner is not None:
        results = _fit(tuner, client, spec, parent_run_id, spec.search.trials, _objective(spec))
        failed += sum(r.error is not None for r in results)
    search_runs = tracking.trial_runs(client, parent_run_id, _objective(spec))
    if not search_runs:
        tracking.fail_run(client, parent_run_id, "no trial finished")
        raise RuntimeError(f"sweep {spec.name}: no trial finished ({failed} failed); see the Tune log above")
    if spec.search.confirm is not None:
        if state["phase"] == SEARCH:
            jobs, best_mixed = confirm_jobs(spec, context.groups, search_runs, _objective(spec))
            state.update(phase=tracking.CONFIRM_PHASE, confirm_jobs=jobs, best_mixed=best_mixed)
            _write_state(state_path, state)
        failed += _confirm(spec, context, state, state_path.parent.parent, client)
    warnings = degenerate_warnings(client, parent_run_id)
    verdict = None
    if spec.search.confirm is not None:
        verdict = log_verdict(client, spec, context, state["best_mixed"], warnings)
    return summarise(client, parent_run_id, spec, search_runs, failed, context.tracking_uri, verdict, warnings)


def _confirm(spec: Spec, context: TrialContext, state: dict, storage: Path, client) -> int:
    """The confirmation phase's Tune experiment, restored when it already started."""
    name = spec.name + CONFIRM_SUFFIX
    trainable = tune.with_resources(tune.with_parameters(run_confirm, context=context),
                                    trial_resources(context.plan))
    if (storage / name / "tuner.pkl").exists():
        tuner = tune.Tuner.restore(str(storage / name), trainable, resume_unfinished=True, resume_errored=True)
    else:
        print(f"\nconfirmation: {len(state['confirm_jobs'])} runs (configurations x fresh seeds) "
              "on the held-out report sets", flush=True)
        tuner = tune.Tuner(
            trainable, param_space={"job": tune.grid_search(state["confirm_jobs"])},
            tune_config=tune.TuneConfig(max_concurrent_trials=spec.search.concurrency, reuse_actors=True),
            run_config=_run_config(spec, name, str(storage)))
    results = _fit(tuner, client, spec, context.parent_run_id, len(state["confirm_jobs"]),
                   f"{REPORT}/xtreme_r/score")
    return sum(r.error is not None for r in results)


def summarise(client, parent_run_id: str, spec: Spec, runs, failed: int, uri: str, verdict: dict | None,
              warnings: list[str]) -> dict:
    metric = _objective(spec)
    best = runs[0]
    best_score = best.data.metrics.get(metric)
    tracking.log_batch(client, parent_run_id, metrics={f"best/{metric}": best_score})
    client.set_tag(parent_run_id, "xmix.best_run_id", best.info.run_id)
    analysis = log_gain_vs_lexsim(client, parent_run_id, runs)
    client.set_terminated(parent_run_id, "FINISHED" if not failed else "FAILED")
    return {"parent_run_id": parent_run_id, "best_run": best, "best_score": best_score, "runs": runs,
            "failed": failed, "tracking_uri": uri, "analysis": analysis, "spec": spec, "verdict": verdict,
            "warnings": warnings}
