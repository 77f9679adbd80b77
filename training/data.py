"""What a plan trains on and what it evaluates, read once from the data root.

The same lists feed the leakage guard (before any trial starts) and the Train
workers, so the guard checks exactly the examples that are used.
"""
from __future__ import annotations


from pathlib import Path
from typing import Sequence

import training.sources  # noqa: F401  (registers the sources)
import evaluation.targets  # noqa: F401  (registers the targets)
from evaluation.examples import Example
from evaluation.targets import TARGETS
from training.leakage import DataUse, check_leakage
from training.plan import TargetPlan, TrialPlan
from training.sources import SOURCES


def source_examples(name: str, root: Path) -> Sequence[Example]:
    return SOURCES.get(name).read(root)


def eval_examples(target_plan: TargetPlan, language: str, root: Path) -> Sequence[Example]:
    target = TARGETS.get(target_plan.name)
    examples = target.read(root, language, target_plan.split)
    return examples[: target_plan.eval_cap] if target_plan.eval_cap else examples


def trained_uses(source_names: Sequence[str], targets: Sequence[TargetPlan], root: Path) -> list[DataUse]:
    uses = []
    for name in source_names:
        source = SOURCES.get(name)
        uses.append(DataUse(f"source {name}", source.lineage, source.part, source.read(root)))
    for target_plan in targets:
        stage2 = TARGETS.get(target_plan.name).stage2
        if stage2 is not None:
            uses.append(DataUse(f"stage2 {target_plan.name}", stage2.lineage, None, stage2.read(root)))
    return uses


def evaluated_uses(targets: Sequence[TargetPlan], root: Path) -> list[DataUse]:
    uses = []
    for target_plan in targets:
        target = TARGETS.get(target_plan.name)
        for language in target_plan.languages:
            uses.append(DataUse(f"target {target_plan.name}/{language}", target.lineage(target_plan.split, language),
                                target.part, eval_examples(target_plan, language, root)))
    return uses


def check_plan_leakage(source_names: Sequence[str], plan: TrialPlan) -> dict:
    """Every source the sweep may draw from, against every evaluated example."""
    root = Path(plan.data_root)
    return check_leakage(trained_uses(source_names, plan.targets, root), evaluated_uses(plan.targets, root))
