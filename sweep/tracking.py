"""The MLflow layout of ARCHITECTURE.md, through MLflow's client API only.

Parent run per sweep, one nested child run per trial (tag ``mlflow.parentRunId``).
We create the runs ourselves instead of using Tune's or Optuna's MLflow callbacks:
those came out flat (ray#19978), clash on params across concurrent trials
(ray#30649) or lose the parent (optuna#5148).
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Mapping

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from evaluation.errors import XmixError
from sweep.reach import absolute_tracking_uri, require_reachable  # noqa: F401  (one import for callers)

KIND, SWEEP, TRIAL_ID, BASELINE, STATUS = "xmix.kind", "xmix.sweep", "xmix.trial_id", "xmix.baseline", "xmix.status"
PHASE, LABEL, SEED, DEGENERATE = "xmix.phase", "xmix.label", "xmix.seed", "xmix.degenerate"
ERROR, ATTEMPTS, EARLIER_IDS = "xmix.error", "xmix.attempts", "xmix.earlier_trial_ids"
SEARCH_PHASE, CONFIRM_PHASE = "search", "confirm"
PARAM_LIMIT = 6000  # characters of a param value MLflow stores


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def client_for(uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri=absolute_tracking_uri(uri))


def experiment_id(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    if client.tracking_uri.startswith("sqlite:"):
        # Keep artifacts beside the database, not in whatever directory a trial runs in.
        database = Path(client.tracking_uri[len("sqlite:///"):])
        location = (database.parent / "mlartifacts").resolve().as_uri()
    # MLflow 3 opens untagged experiments on its GenAI overview; sweeps want the runs table.
    return client.create_experiment(name, artifact_location=location,
                                    tags={"mlflow.experimentKind": "custom_model_development"})


def flatten(value, prefix: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """Nested mappings -> {"a.b": "v"}: the one way parent and child params are named."""
    out = {} if out is None else out
    _flatten(prefix, value, out)
    return out


def _flatten(prefix: str, value, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = str(value)


def log_batch(client: MlflowClient, run_id: str, metrics: Mapping[str, float] = {},
              params: Mapping[str, str] = {}, tags: Mapping[str, str] = {}, step: int = 0) -> None:
    """One call for mappings; MLflow's client splits it into its per-request limits.
    Params keep MLflow's 6,000-character value limit."""
    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric(k, float(v), now, step) for k, v in metrics.items() if v is not None],
                     params=[Param(k, str(v)[:PARAM_LIMIT]) for k, v in params.items()],
                     tags=[RunTag(k, str(v)) for k, v in tags.items()])


def start_sweep_run(client: MlflowClient, experiment: str, sweep: str, spec_dump: dict, spec_yaml: str,
                    spec_sha256: str) -> str:
    run = client.create_run(experiment_id(client, experiment), run_name=sweep,
                            tags={KIND: "sweep", SWEEP: sweep, "xmix.git_commit": git_commit(),
                                  "xmix.spec_sha256": spec_sha256})
    params = flatten({section: spec_dump[section] for section in ("search", "model", "resources", "data")})
    log_batch(client, run.info.run_id, params=params)
    client.log_text(run.info.run_id, spec_yaml, "spec.yaml")
    return run.info.run_id


def start_trial_run(client: MlflowClient, parent_run_id: str, *, run_name: str, trial_id: str,
                    tags: Mapping[str, str], params: Mapping[str, object]) -> tuple[str, dict | None]:
    """The child run of one Tune trial (search or confirm): one per trial, however often
    the trial starts. Returns the run id, and the run's metrics when it had finished already
    (then the trial reports those instead of training again)."""
    parent = client.get_run(parent_run_id)
    params = {k: str(v)[:PARAM_LIMIT] for k, v in params.items()}  # as stored, to compare
    run = _own_run(client, parent, run_name, trial_id, tags.get(PHASE), params)
    if run is None:
        run = client.create_run(parent.info.experiment_id, run_name=run_name,
                                tags={"mlflow.parentRunId": parent_run_id, KIND: "trial", TRIAL_ID: trial_id,
                                      STATUS: "running", SWEEP: parent.data.tags.get(SWEEP, ""), **tags})
        log_batch(client, run.info.run_id, params=params)
        return run.info.run_id, None
    adopted = {}
    if run.data.tags.get(TRIAL_ID) != trial_id:
        earlier = [i for i in (run.data.tags.get(EARLIER_IDS, ""), run.data.tags.get(TRIAL_ID, "")) if i]
        adopted = {TRIAL_ID: trial_id, EARLIER_IDS: ",".join(earlier)}
    if run.info.status == "FINISHED":
        log_batch(client, run.info.run_id, tags=adopted)
        return run.info.run_id, dict(run.data.metrics)
    client.update_run(run.info.run_id, status="RUNNING")
    # The attempt before ended (Ctrl-C, a dead worker, a killed driver): its error is
    # no longer this run's; the count of attempts says that there was one.
    if ERROR in run.data.tags:
        client.delete_tag(run.info.run_id, ERROR)
    attempts = int(run.data.tags.get(ATTEMPTS, "1")) + 1
    log_batch(client, run.info.run_id, tags={STATUS: "running", ATTEMPTS: attempts, **adopted})
    return run.info.run_id, None


def _own_run(client: MlflowClient, parent, run_name: str, trial_id: str, phase: str | None,
             params: Mapping[str, str]):
    """This trial's run from an earlier attempt. Tune restores an unfinished trial under its
    trial id. A trial started after Tune last saved its experiment state (every 10 s or
    more) is unknown to the restored experiment, which proposes it again under a new id:
    the same name (Tune's trial counter and the searcher's state are restored together)
    and the same params. That run, ended by the dead driver's recovery (KILLED) or
    finished before the driver died, is adopted instead of starting a second one."""
    # Two narrow queries, not a listing of every sibling on each trial start. Run names
    # are xmix's own ("uniform", "t05 en=0.57", "confirm uniform s1000"): no quotes.
    children = f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'"
    by_id = client.search_runs([parent.info.experiment_id], f"{children} and tags.`{TRIAL_ID}` = '{trial_id}'")
    if by_id:
        return by_id[0]
    same_name = client.search_runs([parent.info.experiment_id], f"{children} and attributes.run_name = '{run_name}'")
    for run in same_name:
        if run.info.status in ("KILLED", "FINISHED") and run.data.tags.get(PHASE) == phase \
                and run.data.params == dict(params):
            return run
    return None


def log_data_manifest(client: MlflowClient, run_id: str, manifest: Mapping | None) -> None:
    """The hub datasets a sweep read, at the revisions it read them (``data.hub.<id>``), and
    the whole MANIFEST.json (configs, splits, sha256 per file) as an artifact."""
    if not manifest:
        return
    log_batch(client, run_id, params={f"data.hub.{dataset}": revision
                                      for dataset, revision in manifest["datasets"].items()})
    client.log_dict(run_id, dict(manifest), "data-manifest.json")


def finish_trial_run(client: MlflowClient, run_id: str, metrics: Mapping[str, float],
                     histories: Mapping[str, list], artifacts: Mapping[str, object], spec_yaml: str) -> None:
    """Final metrics, loss curves (``name -> [(step, value)]``) in one batch, JSON artifacts."""
    now = int(time.time() * 1000)
    log_batch(client, run_id, metrics=metrics)
    client.log_batch(run_id, metrics=[Metric(name, float(value), now, int(step))
                                      for name, history in histories.items() for step, value in history])
    for name, content in artifacts.items():
        client.log_dict(run_id, content, name)
    client.log_text(run_id, spec_yaml, "spec.yaml")
    client.set_tag(run_id, STATUS, "finished")
    client.set_terminated(run_id, "FINISHED")


def fail_run(client: MlflowClient, run_id: str, reason: str | None, status: str = "FAILED") -> None:
    """End a run that did not finish: FAILED with its error, or KILLED (interrupted, resumable)."""
    tags = {STATUS: status.lower(), **({ERROR: reason[-4000:]} if reason else {})}
    log_batch(client, run_id, tags=tags)
    client.set_terminated(run_id, status)


def find_sweep_run(client: MlflowClient, experiment: str, sweep: str):
    found = client.get_experiment_by_name(experiment)
    runs = [] if found is None else client.search_runs(
        [found.experiment_id], f"tags.`{KIND}` = 'sweep' and tags.`{SWEEP}` = '{sweep}'",
        order_by=["attributes.start_time DESC"], max_results=1)
    if not runs:
        raise XmixError(f"no sweep named {sweep!r} in MLflow experiment {experiment!r} at {client.tracking_uri}")
    return runs[0]


def trial_runs(client: MlflowClient, parent_run_id: str, metric: str | None = None, phase: str | None = SEARCH_PHASE,
               finished_only: bool = True):
    """A sweep's child runs of one phase (None: all), best first by ``metric`` when given.
    Runs from before phases existed have no phase tag and count as search runs."""
    parent = client.get_run(parent_run_id)
    query = f"tags.`mlflow.parentRunId` = '{parent_run_id}'"
    if finished_only:
        query += f" and tags.`{STATUS}` = 'finished'"
    runs = client.search_runs([parent.info.experiment_id], query,
                              order_by=[f"metrics.`{metric}` DESC"] if metric else None, max_results=10000)
    return [r for r in runs if phase is None or r.data.tags.get(PHASE, SEARCH_PHASE) == phase]
