"""Importing this package registers every target (one module per XTREME-R task)."""
from evaluation.targets import (  # noqa: F401  (registration)
    lareqa, mewslix, mlqa, panx, tatoeba, tydiqa, udpos, xcopa, xnli, xquad,
)
from evaluation.targets.registry import TARGETS, Stage2Data, Target, register_target

__all__ = ["TARGETS", "Stage2Data", "Target", "register_target"]
