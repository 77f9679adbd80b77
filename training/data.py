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
from training.plan import SEARCH, TargetPlan, TrialPlan
from training.sources import SOURCES


def source_examples(name: str, root: Path) -> Sequence[Example]:
    return SOURCES.get(name).read(root)


def eval_examples(target_plan: TargetPlan, language: str, role: str, root: Path) -> Sequence[Example]:
    """The first ``eval_cap`` (search) or ``report_cap`` (report) examples of the role's set."""
    target = TARGETS.get(target_plan.name)
    examples = target.read_eval(root, language, target.eval_sets(target_plan.split)[role])
    cap = target_plan.eval_cap if role == SEARCH else (target_plan.report_cap or target_plan.eval_cap)
    return examples[:cap] if cap else examples


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
    """Both roles: the report set is held out from the search, never from the guard."""
    uses = []
    for target_plan in targets:
        target = TARGETS.get(target_plan.name)
        for role, eval_set in target.eval_sets(target_plan.split).items():
            for language in target_plan.languages:
                uses.append(DataUse(f"target {target_plan.name}/{language} ({role})",
                                    target.lineage(eval_set.split, language), target.part,
                                    eval_examples(target_plan, language, role, root)))
    return uses


def leakage_line(leakage: dict) -> str:
    """What every command that trains says of the guard's result."""
    return (f"leakage guard: {leakage['trained_examples']} trained vs {leakage['evaluated_examples']} "
            "evaluated examples, no overlap")


def check_plan_leakage(plan: TrialPlan) -> dict:
    """Every source the sweep may draw from (``plan.sources``), against every evaluated example."""
    root = Path(plan.data_root)
    return check_leakage(trained_uses(plan.sources, plan.targets, root), evaluated_uses(plan.targets, root))
