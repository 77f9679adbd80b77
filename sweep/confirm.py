"""The confirmation phase: what it re-runs, and the verdict it feeds.

Search and report are kept apart (Keung et al. 2020; SCIENCE.md): the mixtures to
confirm are chosen by the *search* objective, then re-run with fresh seeds (never
used in the search) and scored on the *report* sets, which the searcher never saw.
The verdict (sweep.verdict) reads only these confirmation runs, so the maximum of
N noisy search trials cannot pass for a gain.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from evaluation.errors import XmixError
from evaluation.targets import TARGETS
from sweep import tracking
from sweep.search_space import Groups
from sweep.spec import Spec

# Confirmation seeds are spec.seed + CONFIRM_SEED_OFFSET + j; search seeds are spec.seed + i
# with i < search.seeds_per_trial (< CONFIRM_SEED_OFFSET, checked by check_confirm).
CONFIRM_SEED_OFFSET = 1000
VERDICT_BASELINES = ("english_only", "non_english_only")


def search_seeds(spec: Spec) -> tuple[int, ...]:
    return tuple(spec.seed + i for i in range(spec.search.seeds_per_trial))


def confirm_seeds(spec: Spec) -> tuple[int, ...]:
    return tuple(spec.seed + CONFIRM_SEED_OFFSET + j for j in range(spec.search.confirm.seeds))


def check_confirm(spec: Spec, groups: Groups) -> None:
    """The verdict compares a mixed mixture with both one-language baselines: it needs both."""
    if spec.search.confirm is None:
        return
    if not groups.searched_share:
        raise XmixError("search.confirm: the verdict compares mixed-language training with english_only and "
                        "non_english_only, so intermediate.sources needs English and non-English sources")
    missing = [b for b in VERDICT_BASELINES if b not in spec.search.baselines]
    if missing:
        raise XmixError(f"search.confirm: needs the baselines {', '.join(VERDICT_BASELINES)} in search.baselines "
                        f"(missing: {', '.join(missing)})")
    if spec.search.seeds_per_trial >= CONFIRM_SEED_OFFSET:
        raise XmixError(f"search.seeds_per_trial: must be < {CONFIRM_SEED_OFFSET} so confirmation seeds stay fresh")


def _mixture(run) -> dict[str, float]:
    return {k[4:]: float(v) for k, v in run.data.params.items() if k.startswith("mix/")}


def is_mixed(mixture: dict[str, float], groups: Groups) -> bool:
    english = sum(w for s, w in mixture.items() if s in groups.english)
    return 0 < english < 1 and any(mixture.get(s, 0) > 0 for s in groups.non_english)


def confirm_jobs(spec: Spec, groups: Groups, search_runs, metric: str) -> tuple[list[dict], str]:
    """Every (configuration, seed) to re-run, and the label of the best mixed configuration.

    Configurations: the baselines, then the top_k mixed-language mixtures by search
    objective (``uniform`` counts as mixed; it is confirmed once).
    """
    ranked = sorted((r for r in search_runs if metric in r.data.metrics), key=lambda r: -r.data.metrics[metric])
    mixed = [r for r in ranked if is_mixed(_mixture(r), groups)]
    if not mixed:
        raise XmixError(f"sweep {spec.name}: no finished mixed-language trial to confirm")
    chosen = {}
    for run in [r for r in ranked if r.data.tags.get(tracking.BASELINE) in spec.search.baselines] \
            + mixed[: spec.search.confirm.top_k]:
        chosen.setdefault(run.data.tags.get(tracking.LABEL) or run.info.run_name, run)
    best_mixed = mixed[0].data.tags.get(tracking.LABEL) or mixed[0].info.run_name
    jobs = []
    for label, run in chosen.items():
        for seed in confirm_seeds(spec):
            jobs.append({"label": label, "baseline": run.data.tags.get(tracking.BASELINE, "none"),
                         "mixture": _mixture(run), "english_share": float(run.data.params["english_share"]),
                         "seed": seed, "search_run_id": run.info.run_id,
                         "search_score": run.data.metrics[metric]})
    return jobs, best_mixed


def _json_artifact(client, run_id: str, name: str):
    with tempfile.TemporaryDirectory() as folder:
        return json.loads(Path(client.download_artifacts(run_id, name, folder)).read_text())


def confirm_units(client, confirm_runs) -> dict:
    """units[label][seed][(task, language)] -> rows, from each confirmation run's units.json."""
    units: dict = {}
    for run in sorted(confirm_runs, key=lambda r: (r.data.tags[tracking.LABEL], int(r.data.tags[tracking.SEED]))):
        label, seed = run.data.tags[tracking.LABEL], int(run.data.tags[tracking.SEED])
        rows = _json_artifact(client, run.info.run_id, "units.json")
        units.setdefault(label, {})[seed] = {(task, language): np.asarray(values, dtype=float)
                                             for task, languages in rows.items()
                                             for language, values in languages.items()}
    return units


def from_units(tasks) -> dict:
    return {task: TARGETS.get(task).from_units for task in tasks}
