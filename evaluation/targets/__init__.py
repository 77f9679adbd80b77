"""Importing this package registers every target (one module per XTREME-R task)."""
from evaluation.targets import (  # noqa: F401  (registration)
    lareqa, mewslix, mlqa, panx, tatoeba, tydiqa, udpos, xcopa, xnli, xquad,
)
from evaluation.targets.registry import (REPORT, ROLES, SEARCH, TARGETS, EvalSet, Stage2Data, Target,
                                         register_target)

__all__ = ["TARGETS", "EvalSet", "REPORT", "ROLES", "SEARCH", "Stage2Data", "Target", "register_target"]
