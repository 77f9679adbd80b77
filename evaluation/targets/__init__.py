"""Importing this package registers every target (one module per XTREME-R task).

A new target is its module plus its line here. The import order is the order of
XTREME-R's table (``TASK_ORDER``), in which score files list tasks and groups.
"""
from evaluation.targets.registry import (REPORT, ROLES, SEARCH, TARGETS, TASK_ORDER, EvalSet, PredictionFormat,
                                         Stage2Data, Target, register_target)
from evaluation.targets import xnli, xcopa  # noqa: E402,F401  (registration)
from evaluation.targets import udpos, panx  # noqa: E402,F401
from evaluation.targets import xquad, mlqa, tydiqa  # noqa: E402,F401
from evaluation.targets import mewslix, lareqa, tatoeba  # noqa: E402,F401

__all__ = ["TARGETS", "TASK_ORDER", "EvalSet", "PredictionFormat", "REPORT", "ROLES", "SEARCH", "Stage2Data",
           "Target", "register_target"]
