"""Checks a parsed spec against the registries and the data root; builds the plan.

Pydantic checks shapes; this checks meaning: every source and target exists,
every language is available for its split, every file is on disk, the baselines
make sense for the chosen sources. Errors name the spec field.
"""
from __future__ import annotations

from pathlib import Path

import training.sources  # noqa: F401  (registration)
import evaluation.targets  # noqa: F401  (registration)
from evaluation.errors import XmixError
from evaluation.targets import TARGETS
from sweep.search_space import Groups, baseline_points
from sweep.spec import Spec
from training.plan import TargetPlan, TrialPlan
from training.sources import SOURCES
from training.zero_shot import check_zero_shot


def _field_error(field: str, message: str) -> XmixError:
    return XmixError(f"{field}: {message}")


def _check_files(field: str, root: Path, files) -> None:
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        raise _field_error(field, f"missing data file(s) under {root}: {', '.join(missing)}")


def _check_sources(spec: Spec, root: Path) -> None:
    seen = set()
    for index, name in enumerate(spec.intermediate.sources):
        field = f"intermediate.sources[{index}]"
        if name not in SOURCES:
            raise _field_error(field, f"unknown source {name!r} (known: {', '.join(SOURCES.names())})")
        if name in seen:
            raise _field_error(field, f"source {name!r} listed twice")
        seen.add(name)
        _check_files(field, root, SOURCES.get(name).files)
    for name in spec.intermediate.mixture or {}:
        if name not in seen:
            raise _field_error(f"intermediate.mixture.{name}", "not in intermediate.sources")


def _target_plans(spec: Spec, root: Path) -> tuple[TargetPlan, ...]:
    plans = []
    for name, target_spec in spec.targets.items():
        field = f"targets.{name}"
        if name not in TARGETS:
            raise _field_error(field, f"unknown target {name!r} (known: {', '.join(TARGETS.names())})")
        target = TARGETS.get(name)
        if target_spec.split is not None and target_spec.split not in target.splits:
            raise _field_error(f"{field}.split", f"{target_spec.split!r} not available "
                               f"(allowed: {', '.join(target.splits)})")
        # Both roles' splits must hold every language: the report set is scored after the search.
        splits = sorted({s.split for s in target.eval_sets(target_spec.split).values()})
        available = set.intersection(*(set(target.available_languages(root, split)) for split in splits))
        languages = []
        for index, language in enumerate(target_spec.languages):
            canonical = target.canonical_language(language)
            if canonical not in available:
                raise _field_error(f"{field}.languages[{index}]",
                                   f"{name} has no {' and '.join(splits)} data for {language!r} under {root} "
                                   f"(available: {', '.join(sorted(available)) or 'none'})")
            languages.append(canonical)
        if target.stage2 is not None:
            _check_files(f"{field} (stage 2)", root, target.stage2.files)
        plans.append(TargetPlan(name, tuple(languages), target_spec.split, target_spec.eval_cap,
                                target_spec.eval_batch_size, target_spec.report_cap, target_spec.stage2_lr))
    return tuple(plans)


def _check_model(spec: Spec) -> None:
    name = spec.model.name_or_path
    looks_local = name.startswith((".", "/", "~")) or Path(name).exists()
    if looks_local and not (Path(name).expanduser() / "config.json").is_file():
        raise _field_error("model.name_or_path", f"{name!r}: no model folder with config.json there "
                           "(give a local folder or a Hugging Face hub id such as xlm-roberta-large)")


def check_search(spec: Spec) -> Groups:
    groups = Groups.of(spec.intermediate.sources)
    baseline_points(groups, spec.search.baselines)  # raises when a baseline cannot exist
    if spec.intermediate.mixture is None and spec.search.trials < len(spec.search.baselines):
        raise _field_error("search.trials", f"must be >= the number of baselines ({len(spec.search.baselines)}), "
                           f"got {spec.search.trials}")
    return groups


def build_plan(spec: Spec) -> TrialPlan:
    """Validates ``spec`` (files, registries, zero-shot) and returns the one plan a sweep's
    runs share; each run sets its mixture, seed and roles (``TrialPlan.for_run``)."""
    root = spec.data.resolved_root()
    if not root.is_dir():
        raise _field_error("data.root", f"{root} is not a folder (set data.root or XMIX_DATA)")
    _check_model(spec)
    _check_sources(spec, root)
    targets = _target_plans(spec, root)
    check_zero_shot(spec.intermediate.sources, [(t.name, t.languages) for t in targets],
                    allow=spec.intermediate.allow_in_language_target_task)
    check_search(spec)
    model_path = spec.model.name_or_path
    if Path(model_path).expanduser().exists():
        model_path = str(Path(model_path).expanduser().resolve())
    resources = spec.resources
    return TrialPlan(
        model_name_or_path=model_path, max_length=spec.model.max_length, num_layers=spec.model.num_layers,
        data_root=str(root), mixture=dict(spec.intermediate.mixture or {}),
        stage1_steps=spec.intermediate.steps, stage1_batch_size=spec.intermediate.batch_size,
        stage1_lr=spec.intermediate.lr, stage2_steps=spec.stage2.steps, stage2_batch_size=spec.stage2.batch_size,
        stage2_lr=spec.stage2.lr, targets=targets, seed=spec.seed, workers=resources.workers_per_trial,
        cpus_per_worker=resources.cpus_per_worker, gpus_per_worker=resources.gpus_per_worker,
        runner=resources.resolved_runner(), sources=tuple(spec.intermediate.sources),
    )
