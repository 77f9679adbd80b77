"""trial_overhead_s and data_prep_ratio: real sweeps of configs/smoke.yaml, timed from outside.

Measured for both runners: ``trial_overhead_s`` is the default for one worker per
trial (in_trial), ``trial_overhead_s_ray_train`` a TorchTrainer per trial.

overhead = (wall time of ``run_sweep`` - sum of the trials' ``timing/total_s``) / trials,
at concurrency 1 and 2. The wall time includes ``ray.init`` and MLflow set-up: a
sweep pays them once, and they are part of what a sweep costs beyond learning.
At concurrency 2 trials overlap, so the sum of their work can approach twice the
wall time; the figure then shows how much parallelism hides the overhead.

Every trial uses all five smoke sources (only the ``uniform`` baseline, then
searched mixtures, whose weights are all positive): the second trial then needs
exactly the tokenised data the first one wrote, which is what data_prep_ratio asks.
The concurrency-1 sweep runs first, on a fresh XMIX_CACHE.

Search trials only: the confirmation phase that configs/smoke.yaml adds is switched
off (``search.confirm=null``), so the wall time holds exactly the trials whose
``timing/total_s`` it is compared with (``run_sweep``'s "runs" are the search runs).
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import MODEL_PATH, PROJECT_ROOT, Figure

OVERHEAD_GOAL_S = 5.0
DATA_PREP_GOAL = 0.10


def smoke_spec(name: str, trials: int, concurrency: int, folder: Path, stage1_steps: int, stage2_steps: int,
               runner: str = "auto"):
    from sweep.spec import load_spec

    return load_spec(PROJECT_ROOT / "configs" / "smoke.yaml", [
        f"name={name}", f"model.name_or_path={MODEL_PATH}", f"resources.runner={runner}",
        f"search.trials={trials}", f"search.concurrency={concurrency}", "search.baselines=[uniform]",
        "search.confirm=null", "search.seeds_per_trial=1",
        f"intermediate.steps={stage1_steps}", f"stage2.steps={stage2_steps}",
        f"storage.path={folder / 'runs'}", f"tracking.uri=sqlite:///{folder / 'mlflow.db'}",
    ])


def timed_sweep(spec) -> dict:
    """Runs one sweep in this process; Ray is shut down after it so the next can set its own resources."""
    import ray

    from sweep.driver import run_sweep

    begin = time.perf_counter()
    try:
        outcome = run_sweep(spec)
    finally:
        wall = time.perf_counter() - begin
        ray.shutdown()
    runs = sorted(outcome["runs"], key=lambda run: run.info.start_time)
    totals = [run.data.metrics["timing/total_s"] for run in runs]
    # Inside each trial: its MLflow child run's lifetime minus the work the worker timed
    # (TorchTrainer start, worker start, result hand-back, MLflow logging).
    in_trial = [(run.info.end_time - run.info.start_time) / 1000 - total for run, total in zip(runs, totals)]
    return {"wall_s": wall, "trials": spec.search.trials, "finished": len(runs), "failed": outcome["failed"],
            "sum_total_s": sum(totals), "overhead_s": (wall - sum(totals)) / spec.search.trials,
            "in_trial_overhead_s_median": statistics.median(in_trial),
            "data_prep_s": [run.data.metrics.get("timing/data_prep_s") for run in runs],
            "model_load_s": [run.data.metrics.get("timing/model_load_s") for run in runs],
            "train_and_eval_s": sum(run.data.metrics.get("timing/intermediate_s", 0) + run.data.metrics.get("timing/stage2_s", 0)
                                    + run.data.metrics.get("timing/eval_s", 0) for run in runs)}


RUNNERS = ("in_trial", "ray_train")  # the default for one worker first: its figure is the headline


def measure(quick: bool, threads: int, cache: Path) -> dict[str, Figure]:
    """``threads`` and ``cache`` are unused: trials take theirs from the spec and from a fresh cache.

    Both runners (training/trainer.py), each at concurrency 1 and 2; ``--quick`` runs
    in_trial only. data_prep_ratio comes from the first sweep (in_trial, concurrency 1).
    """
    trials = 2 if quick else 6
    stage1_steps, stage2_steps = (4, 2) if quick else (6, 4)
    runners = RUNNERS[:1] if quick else RUNNERS
    saved = {key: os.environ.get(key) for key in ("XMIX_CACHE", "MLFLOW_TRACKING_URI")}
    # The spec's tracking URI must win: MLflow's own variable would send the runs elsewhere.
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    sweeps: dict[str, dict[int, dict]] = {runner: {} for runner in runners}
    try:
        with tempfile.TemporaryDirectory(prefix="xmix-bench-sweep-") as name:
            folder = Path(name)
            # Set before ray.init: Ray workers inherit the driver's environment.
            os.environ["XMIX_CACHE"] = str(folder / "cache")
            for runner in runners:
                for concurrency in (1, 2):
                    spec = smoke_spec(f"bench-{runner}-c{concurrency}", trials, concurrency, folder,
                                      stage1_steps, stage2_steps, runner)
                    sweeps[runner][concurrency] = timed_sweep(spec)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    figures = {}
    for runner, by_concurrency in sweeps.items():
        overhead = {f"concurrency_{c}": s["overhead_s"] for c, s in by_concurrency.items()}
        failed = sum(s["failed"] for s in by_concurrency.values())
        key = "trial_overhead_s" if runner == RUNNERS[0] else f"trial_overhead_s_{runner}"
        figures[key] = Figure(
            value=overhead, goal=f"<= {OVERHEAD_GOAL_S:g} s per trial (concurrency 1 and 2)",
            met=all(v <= OVERHEAD_GOAL_S for v in overhead.values()) and not failed,
            details={f"concurrency_{c}": s for c, s in by_concurrency.items()}
            | {"trials_per_sweep": trials, "runner": runner},
            note=f"{failed} trial(s) failed" if failed else f"resources.runner={runner}")
    first_sweep = sweeps[RUNNERS[0]][1]
    first, second = (first_sweep["data_prep_s"] + [None, None])[:2]
    if first and second is not None:
        ratio = second / first
        figures["data_prep_ratio"] = Figure(value=ratio, goal=f"<= {DATA_PREP_GOAL:g}", met=ratio <= DATA_PREP_GOAL,
                                            details={"first_trial_s": first, "second_trial_s": second,
                                                     "sweep": f"{RUNNERS[0]}, concurrency 1, fresh XMIX_CACHE"})
    else:
        figures["data_prep_ratio"] = Figure(goal=f"<= {DATA_PREP_GOAL:g}", note="fewer than 2 finished trials")
    return figures
