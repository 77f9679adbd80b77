"""One Tune trial -> one MLflow child run: a search trial (a proposed mixture under the
search seeds, scored on the search sets) or a confirmation run (one mixture, one fresh
seed, scored on the held-out report sets).

The trial runs its plan by ``plan.runner``: as the driver of its own TorchTrainer
(Ray 2.60 Train V2; losses reach Tune through ``TuneReportCallback``), or in its own
reused actor (through ``tune.report``). The trial owns its MLflow child run so that
every trial has exactly one, whatever Tune's callbacks do.
"""
from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from ray import tune

from sweep import search_space, tracking
from training.plan import REPORT, SEARCH, TrialPlan
from training.trainer import run_trial_plan


@dataclass(frozen=True)
class TrialContext:
    """What every trial of one sweep shares (pickled once into each trial)."""

    sweep: str
    spec_dump: dict
    plan: TrialPlan  # built once from the spec; a run sets mixture, seed and roles
    groups: search_space.Groups
    baselines: tuple[tuple[str, dict], ...]
    search_seeds: tuple[int, ...]
    tracking_uri: str
    parent_run_id: str
    storage_path: str


def fixed_mixture_spec(spec_dump: dict, mixture: dict[str, float], provenance: dict | None = None) -> str:
    """The spec that re-runs exactly this trial (``xmix train``)."""
    fixed = {**spec_dump, "intermediate": {**spec_dump["intermediate"], "mixture": dict(sorted(mixture.items()))}}
    if provenance is not None:
        fixed["provenance"] = provenance
    return yaml.safe_dump(fixed, sort_keys=False, allow_unicode=True)


def trial_number(tune_context) -> str:
    """Tune's own counter of the trial (its experiment tag, "3_english_share=..."), which
    names the trial's folder after the trial name; the trial id when it cannot be read."""
    name = tune_context.get_trial_name()
    match = re.match(re.escape(name) + r"_(\d+)_", Path(tune_context.get_trial_dir()).name)
    return f"{int(match[1]):02d}" if match else tune_context.get_trial_id()


def run_name(baseline: str, number: str, share: float) -> str:
    """What a researcher scanning the MLflow runs view reads: the baseline, or the proposal's
    number and its English share (the trial id stays a tag)."""
    return baseline if baseline != "none" else f"t{number} en={share:.2f}"


def mixture_params(mixture: dict[str, float], share: float, plan: TrialPlan, seeds) -> dict[str, str]:
    params = {f"mix/{source}": repr(weight) for source, weight in sorted(mixture.items())}
    params["english_share"] = repr(share)
    params.update(tracking.flatten({
        "intermediate": {"steps": plan.intermediate_steps, "lr": plan.intermediate_lr, "batch_size": plan.intermediate_batch_size},
        "stage2": {"steps": plan.stage2_steps, "lr": plan.stage2_lr, "batch_size": plan.stage2_batch_size},
        "seeds": ",".join(str(s) for s in seeds), "runner": plan.runner}))
    return params


def _mean_metrics(finals: list[dict]) -> dict[str, float]:
    keys = set.intersection(*(set(f) for f in finals))
    return {k: float(np.mean([f[k] for f in finals])) for k in keys if isinstance(finals[0][k], (int, float))}


def mean_scores(all_scores: list[dict]) -> dict:
    """Score JSON whose per-language metrics are the means over seeds (n unchanged)."""
    from evaluation.scores import build_scores

    first = all_scores[0]
    per_task = {task: {language: {name: (value if name == "n" else
                                         float(np.mean([s["tasks"][task]["languages"][language][name]
                                                        for s in all_scores])))
                                  for name, value in metrics.items()}
                       for language, metrics in entry["languages"].items()}
                for task, entry in first["tasks"].items()}
    return build_scores(per_task)


def _execute(context: TrialContext, plan: TrialPlan, run_id: str, client, label: str):
    try:
        return run_trial_plan(plan, run_name=label.replace(" ", "_").replace("=", ""),
                              storage_path=f"{context.storage_path}/{context.sweep}-train", to_tune=True)
    except (KeyboardInterrupt, SystemExit):
        # Ctrl-C, or Tune ending the trial: resumable, not an error of the trial.
        tracking.fail_run(client, run_id, None, status="KILLED")
        raise
    except BaseException as error:
        tracking.fail_run(client, run_id, "".join(traceback.format_exception(error)))
        raise


def run_trial(params: dict, context: TrialContext) -> None:
    """A search trial: the proposed mixture under every search seed; the objective is the mean."""
    tune_context = tune.get_context()
    trial_id = tune_context.get_trial_id()
    mixture = search_space.mixture_from_params(context.groups, params)
    share = search_space.english_share(context.groups, params)
    baseline = search_space.baseline_of(params, context.baselines)
    name = run_name(baseline, trial_number(tune_context), share)
    client = tracking.client_for(context.tracking_uri)
    run_id, finished = tracking.start_trial_run(
        client, context.parent_run_id, run_name=name, trial_id=trial_id,
        tags={tracking.PHASE: tracking.SEARCH_PHASE, tracking.BASELINE: baseline, tracking.LABEL: name,
              "xmix.objective_tasks": ",".join(t.name for t in context.plan.targets)},
        params=mixture_params(mixture, share, context.plan, context.search_seeds))
    if finished is not None:  # it ended before the driver died, after Tune last saved it
        tune.report(finished)
        return
    outcomes, finals = [], []
    for seed in context.search_seeds:
        plan = context.plan.for_run(mixture, seed, (SEARCH,))
        outcome, final = _execute(context, plan, run_id, client, f"{name}-s{seed}")
        outcomes.append(outcome)
        finals.append(final)
    metrics = _mean_metrics(finals)
    objective = f"{SEARCH}/xtreme_r/score"
    by_seed = [f[objective] for f in finals]
    if len(finals) > 1:
        metrics[f"{objective}_std"] = float(np.std(by_seed, ddof=1))
    histories = _histories(outcomes, context.search_seeds)
    histories[f"{objective}_by_seed"] = list(zip(context.search_seeds, by_seed))
    artifacts = {"scores.json": mean_scores([o.scores[SEARCH] for o in outcomes])}
    if len(outcomes) > 1:
        artifacts.update({f"scores-seed{seed}.json": o.scores[SEARCH] for seed, o in zip(context.search_seeds, outcomes)})
    _tag_degenerate(client, run_id, outcomes)
    provenance = {"sweep": context.sweep, "trial_id": trial_id, "trial_name": name, "mlflow_run_id": run_id}
    tracking.finish_trial_run(client, run_id, metrics, histories, artifacts,
                              fixed_mixture_spec(context.spec_dump, mixture, provenance))
    tune.report(metrics)


def run_confirm(config: dict, context: TrialContext) -> None:
    """A confirmation run: one mixture, one fresh seed, the held-out report sets."""
    job = config["job"]
    trial_id = tune.get_context().get_trial_id()
    client = tracking.client_for(context.tracking_uri)
    name = f"confirm {job['label']} s{job['seed']}"
    run_id, finished = tracking.start_trial_run(
        client, context.parent_run_id, run_name=name, trial_id=trial_id,
        tags={tracking.PHASE: tracking.CONFIRM_PHASE, tracking.BASELINE: job["baseline"],
              tracking.LABEL: job["label"], tracking.SEED: str(job["seed"]),
              "xmix.search_run_id": job["search_run_id"],
              "xmix.objective_tasks": ",".join(t.name for t in context.plan.targets)},
        params=mixture_params(job["mixture"], job["english_share"], context.plan, [job["seed"]]))
    if finished is not None:
        tune.report(finished)
        return
    plan = context.plan.for_run(job["mixture"], job["seed"], (REPORT,))
    outcome, final = _execute(context, plan, run_id, client, name)
    _tag_degenerate(client, run_id, [outcome])
    tracking.finish_trial_run(client, run_id, final, _histories([outcome], [job["seed"]]),
                              {"scores.json": outcome.scores[REPORT], "units.json": outcome.units[REPORT]},
                              fixed_mixture_spec({**context.spec_dump, "seed": job["seed"]}, job["mixture"]))
    tune.report(final)


def _histories(outcomes, seeds) -> dict[str, list]:
    """Loss curves: ``intermediate/loss``, ``stage2/<task>/loss``; with several seeds, one per seed."""
    histories = {}
    for seed, outcome in zip(seeds, outcomes):
        suffix = f"/seed_{seed}" if len(outcomes) > 1 else ""
        for name, history in outcome.history.items():
            histories[f"{name}/loss{suffix}"] = history
    return histories


def _tag_degenerate(client, run_id: str, outcomes) -> None:
    cells = sorted({cell for outcome in outcomes for cell in outcome.degenerate})
    if cells:
        client.set_tag(run_id, tracking.DEGENERATE, ",".join(cells))
