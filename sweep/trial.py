"""One Tune trial: mixture from the searcher's params -> Ray Train run -> MLflow child run.

The trial runs its plan by ``resources.runner``: as the driver of its own
TorchTrainer (Ray 2.60 Train V2; metrics reach Tune through
``TuneReportCallback``), or in its own reused actor (metrics through
``tune.report``). The trial owns its MLflow child run so that every trial has
exactly one, whatever Tune's callbacks do.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass

import yaml
from ray import tune

from sweep import search_space, tracking
from training.plan import TrialPlan
from training.trainer import run_trial_plan


@dataclass(frozen=True)
class TrialContext:
    """What every trial of one sweep shares (pickled once into each trial)."""

    sweep: str
    spec_dump: dict
    plan: TrialPlan
    groups: search_space.Groups
    baselines: tuple[tuple[str, dict], ...]
    tracking_uri: str
    parent_run_id: str
    storage_path: str
    workers: int
    cpus_per_worker: float
    gpus_per_worker: float
    runner: str  # "ray_train" | "in_trial" (training.trainer), resolved from resources.runner


def fixed_mixture_spec(spec_dump: dict, mixture: dict[str, float], provenance: dict | None = None) -> str:
    """The spec that re-runs exactly this trial (``xmix train``)."""
    fixed = {**spec_dump, "intermediate": {**spec_dump["intermediate"], "mixture": dict(sorted(mixture.items()))}}
    if provenance is not None:
        fixed["provenance"] = provenance
    return yaml.safe_dump(fixed, sort_keys=False, allow_unicode=True)


def run_trial(params: dict, context: TrialContext) -> None:
    tune_context = tune.get_context()
    trial_name, trial_id = tune_context.get_trial_name(), tune_context.get_trial_id()
    mixture = search_space.mixture_from_params(context.groups, params)
    share = search_space.english_share(context.groups, params)
    baseline = search_space.baseline_of(params, context.baselines)
    client = tracking.client_for(context.tracking_uri)
    plan = context.plan.with_mixture(mixture)
    hyper = {"stage1.steps": plan.stage1_steps, "stage1.lr": plan.stage1_lr,
             "stage1.batch_size": plan.stage1_batch_size, "stage2.steps": plan.stage2_steps,
             "stage2.lr": plan.stage2_lr, "stage2.batch_size": plan.stage2_batch_size, "seed": plan.seed,
             "runner": context.runner}
    run_id = tracking.start_trial_run(client, context.parent_run_id, context.sweep, trial_name, trial_id, baseline,
                                      mixture, share, hyper, [t.name for t in plan.targets])
    try:
        scores, outcome, final = run_trial_plan(
            plan, context.runner, workers=context.workers, cpus_per_worker=context.cpus_per_worker,
            gpus_per_worker=context.gpus_per_worker, run_name=trial_name,
            storage_path=f"{context.storage_path}/{context.sweep}-train", to_tune=True)
    except BaseException as error:
        tracking.fail_run(client, run_id, "".join(traceback.format_exception(error)))
        raise
    metrics = {k: v for k, v in final.items() if "/" in k and isinstance(v, (int, float))}
    metrics.update({f"timing/{k}": v for k, v in outcome["timing"].items()})
    provenance = {"sweep": context.sweep, "trial_id": trial_id, "trial_name": trial_name, "mlflow_run_id": run_id}
    tracking.finish_trial_run(client, run_id, metrics, outcome["history"], scores,
                              fixed_mixture_spec(context.spec_dump, mixture, provenance))
