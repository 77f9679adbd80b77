"""Importing this package registers every target (one module per XTREME-R task)."""
from evaluation.targets import panx, tatoeba, xnli  # noqa: F401  (registration)
from evaluation.targets.registry import TARGETS, Stage2Data, Target, register_target

__all__ = ["TARGETS", "Stage2Data", "Target", "register_target"]
