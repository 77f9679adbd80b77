"""A TrialPlan -> one Ray Train ``TorchTrainer`` run -> its scores.

Used by every sweep trial (inside Tune, where the trial is the Train driver, Ray
2.60's Train V2 pattern) and by ``xmix train`` (no Tune). Scores travel back as a
Ray checkpoint holding ``scores.json``, so they reach the driver through the
run's storage on a cluster as well as here.
"""
from __future__ import annotations

import json
from pathlib import Path

from ray.train import CheckpointConfig, RunConfig, ScalingConfig
from ray.train.torch import TorchTrainer

from training.loop import train_loop_per_worker
from training.plan import TrialPlan


def fit_plan(plan: TrialPlan, *, workers: int, cpus_per_worker: float, gpus_per_worker: float,
             run_name: str, storage_path: str, callbacks: list = ()) -> tuple[dict, dict, dict]:
    """Returns (scores, outcome, final reported metrics)."""
    resources = {"CPU": cpus_per_worker}
    if gpus_per_worker:
        resources["GPU"] = gpus_per_worker
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config={"plan": plan.to_dict()},
        scaling_config=ScalingConfig(num_workers=workers, use_gpu=gpus_per_worker > 0,
                                     resources_per_worker=resources),
        run_config=RunConfig(name=run_name, storage_path=storage_path, callbacks=list(callbacks),
                             checkpoint_config=CheckpointConfig(num_to_keep=1)),
    )
    result = trainer.fit()
    with result.checkpoint.as_directory() as folder:
        scores = json.loads(Path(folder, "scores.json").read_text())
        outcome = json.loads(Path(folder, "outcome.json").read_text())
    return scores, outcome, dict(result.metrics or {})
