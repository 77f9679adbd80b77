"""A TrialPlan -> its scores, by one of two runners that run the same ``run_plan``.

``ray_train``: one Ray Train ``TorchTrainer`` run (N workers, DDP); inside Tune the
trial is the Train driver (Ray 2.60's Train V2 pattern). Scores travel back as a
Ray checkpoint holding ``scores.json``, so they reach the driver through the run's
storage on a cluster as well as here. This is how trials scale to GPUs.

``in_trial``: one worker, in the calling process: the Tune trial's own actor,
which the sweep reuses across trials. Each TorchTrainer run starts a controller
and a worker process that import torch and transformers and load the model again,
~20 s per trial on 2 CPU cores for seconds of learning (benchmarks/RESULTS.md); in
the reused actor imports and the loaded model (``EncoderCache``) survive between
trials. The loop, the data and the evaluation are the same code.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from training.encoder_cache import PROCESS_ENCODERS
from training.loop import Outcome, final_metrics, quiet_libraries, run_plan, train_loop_per_worker, use_threads
from training.plan import TrialPlan


def worker_resources(cpus_per_worker: float, gpus_per_worker: float) -> dict[str, float]:
    """What one worker of a trial asks Ray for: a Train worker, or the in_trial actor that is the worker."""
    resources = {"CPU": cpus_per_worker}
    if gpus_per_worker:
        resources["GPU"] = gpus_per_worker
    return resources


def fit_plan(plan: TrialPlan, *, run_name: str, storage_path: str, callbacks: list = ()) -> tuple[Outcome, dict]:
    """Ray Train, ``plan.workers`` workers. Returns (outcome, final reported metrics)."""
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config={"plan": plan.to_dict()},
        scaling_config=ScalingConfig(num_workers=plan.workers, use_gpu=plan.gpus_per_worker > 0,
                                     resources_per_worker=worker_resources(plan.cpus_per_worker,
                                                                           plan.gpus_per_worker)),
        run_config=RunConfig(name=run_name, storage_path=storage_path, callbacks=list(callbacks),
                             checkpoint_config=CheckpointConfig(num_to_keep=1),
                             # A worker that died (a preempted node, the OOM killer) restarts the
                             # group; the run starts over from its seeds, so the scores are the same.
                             failure_config=FailureConfig(max_failures=plan.max_failures)),
    )
    result = trainer.fit()
    with result.checkpoint.as_directory() as folder:
        outcome = Outcome.from_dict(json.loads(Path(folder, "outcome.json").read_text()))
    return outcome, dict(result.metrics or {})


def run_in_trial(plan: TrialPlan, report: Callable[[dict], None] = lambda metrics: None) -> tuple[Outcome, dict]:
    """One worker, here. Reports as rank 0 of a Train run would: losses, then the final metrics."""
    import torch

    quiet_libraries()
    use_threads(plan)
    device = torch.device("cuda" if plan.gpus_per_worker > 0 and torch.cuda.is_available() else "cpu")
    outcome = run_plan(plan, wrap=lambda model: model.to(device), report=report, encoders=PROCESS_ENCODERS)
    final = final_metrics(plan, outcome)
    report(final)
    return outcome, final


def run_trial_plan(plan: TrialPlan, *, run_name: str, storage_path: str,
                   to_tune: bool = False) -> tuple[Outcome, dict]:
    """(outcome, final metrics) by ``plan.runner``; ``to_tune``: also report to the calling Tune trial."""
    if plan.runner == "in_trial":
        from ray import tune

        return run_in_trial(plan, **({"report": tune.report} if to_tune else {}))
    from ray.tune.integration.ray_train import TuneReportCallback

    return fit_plan(plan, run_name=run_name, storage_path=storage_path,
                    callbacks=[TuneReportCallback()] if to_tune else [])
