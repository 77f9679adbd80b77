"""Aggregation of per-language metrics into the score JSON (ARCHITECTURE.md).

Task score = mean over its evaluated languages of the task metric (QA: mean of
exact match and F1, which equals the official (avg EM + avg F1) / 2); group =
mean of its present tasks; XTREME-R = unweighted mean of the ten task scores,
only when all ten are present. Two deliberate differences from xtreme's
``evaluate.py``: a group is reported as soon as one of its tasks is present
(the official table waits for all of them), and the languages are whichever
were evaluated, not a fixed list. Nothing is rounded here.
"""
from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

from evaluation.errors import XmixError
from evaluation.targets import TARGETS, TASK_ORDER

SCHEMA = "xmix.scores/1"

# Derived from the targets: their registration order (XTREME-R's table order), their
# groups in order of first appearance, and the per-language key each is scored by.
# "map@20" is mAP@20 for LAReQA and, with one gold entity, MRR@20 for Mewsli-X.
XTREME_R_TASKS: tuple[str, ...] = tuple(TASK_ORDER)
TASK_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(task for task in XTREME_R_TASKS if TARGETS.get(task).group == group)
    for group in dict.fromkeys(TARGETS.get(task).group for task in XTREME_R_TASKS)
}
TASK_METRIC: dict[str, str] = {task: TARGETS.get(task).metric for task in XTREME_R_TASKS}

QA_METRICS = ("exact_match", "f1")  # what "em_f1_mean" averages
EXAMPLE_COUNT = "n"  # per-language example count, kept but never averaged or logged


def _check_task(task: str) -> None:
    if task not in TASK_METRIC:
        raise XmixError(f"unknown XTREME-R task {task!r} (known: {', '.join(XTREME_R_TASKS)})")


def _required_metrics(task: str) -> tuple[str, ...]:
    metric = TASK_METRIC[task]
    return QA_METRICS if metric == "em_f1_mean" else (metric,)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _check_percent(value: Any, field: str, origin: str) -> None:
    if not _is_number(value) or not 0.0 <= value <= 100.0:
        raise XmixError(f"{origin}: field '{field}' must be a number in [0, 100] (scores are percentages), got {value!r}")


def _check_language_metrics(task: str, metrics: Any, field: str, origin: str) -> None:
    if not isinstance(metrics, Mapping):
        raise XmixError(f"{origin}: field '{field}' must be an object of metrics, got {metrics!r}")
    for name in _required_metrics(task):
        if name not in metrics:
            raise XmixError(f"{origin}: field '{field}' lacks {name!r}, which {task} is scored by (has: {sorted(metrics)})")
    for name, value in metrics.items():
        if name == EXAMPLE_COUNT:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise XmixError(f"{origin}: field '{field}.n' must be a non-negative integer, got {value!r}")
        else:
            _check_percent(value, f"{field}.{name}", origin)


def language_score(task: str, language_metrics: Mapping[str, float]) -> float:
    """One language's contribution to its task score."""
    _check_task(task)
    _check_language_metrics(task, language_metrics, "language_metrics", origin=f"language_score({task!r})")
    metric = TASK_METRIC[task]
    if metric == "em_f1_mean":
        return (language_metrics["exact_match"] + language_metrics["f1"]) / 2
    return float(language_metrics[metric])


def task_score(task: str, languages: Mapping[str, Mapping[str, float]]) -> float:
    """Mean over the evaluated languages (English included if it was evaluated)."""
    _check_task(task)
    if not languages:
        raise XmixError(f"task_score({task!r}): no languages evaluated")
    return _mean([language_score(task, metrics) for metrics in languages.values()])


def build_scores(per_task: Mapping[str, Mapping[str, Mapping[str, float]]]) -> dict[str, Any]:
    """The score JSON for ``{task: {language: {metric: value, "n": count}}}``."""
    for task in per_task:
        _check_task(task)
    tasks: dict[str, Any] = {}
    for task in XTREME_R_TASKS:  # fixed order, so files diff cleanly
        if task not in per_task:
            continue
        languages = {language: dict(metrics) for language, metrics in per_task[task].items()}
        for language, metrics in languages.items():
            _check_language_metrics(task, metrics, f"{task}.{language}", origin="build_scores")
        tasks[task] = {"metric": TASK_METRIC[task], "score": task_score(task, languages), "languages": languages}
    missing = [task for task in XTREME_R_TASKS if task not in tasks]
    return {
        "schema": SCHEMA,
        "tasks": tasks,
        "groups": _group_scores(tasks),
        "xtreme_r": {"score": None if missing else _mean([tasks[t]["score"] for t in XTREME_R_TASKS]),
                     "missing": missing},
    }


def _group_scores(tasks: Mapping[str, Any]) -> dict[str, float | None]:
    groups: dict[str, float | None] = {}
    for group, members in TASK_GROUPS.items():
        present = [tasks[task]["score"] for task in members if task in tasks]
        groups[group] = _mean(present) if present else None
    return groups


def objective(scores: Mapping[str, Any], tasks: Sequence[str]) -> float:
    """The sweep objective ``xtreme_r/score``: mean score of the tasks a spec targets."""
    if not tasks:
        raise XmixError("objective: no target tasks named")
    present = scores["tasks"]
    absent = [task for task in tasks if task not in present]
    if absent:
        raise XmixError(f"objective: no score for {', '.join(absent)} (scored: {', '.join(present) or 'none'})")
    return _mean([present[task]["score"] for task in tasks])


# MLflow metric names allow only alphanumerics, "_", "-", ".", " ", ":" and "/"
# (mlflow.utils.validation); "map@20" would be rejected, so "@" reads "_at_".
_MLFLOW_FORBIDDEN = re.compile(r"[^\w.\- :]")


def mlflow_name(part: str) -> str:
    return _MLFLOW_FORBIDDEN.sub("_", part.replace("@", "_at_"))


def flat_metrics(scores: Mapping[str, Any]) -> dict[str, float]:
    """MLflow metrics: ``<task>/<lang>/<metric>``, ``xtreme_r/<task>``, ``xtreme_r/group/<group>``.

    ``n`` is not a metric and absent groups are skipped. ``xtreme_r/score`` is not
    produced here: inside a sweep it is ``objective`` over the spec's targets,
    which the caller logs.
    """
    flat: dict[str, float] = {}
    for task, entry in scores["tasks"].items():
        for language, metrics in entry["languages"].items():
            for name, value in metrics.items():
                if name != EXAMPLE_COUNT:
                    flat[f"{task}/{mlflow_name(language)}/{mlflow_name(name)}"] = float(value)
        flat[f"xtreme_r/{task}"] = float(entry["score"])
    for group, value in scores["groups"].items():
        if value is not None:
            flat[f"xtreme_r/group/{group}"] = float(value)
    return flat


# A file written by build_scores reproduces its aggregates exactly; the tolerance
# only absorbs float summation order, and catches hand edits and stale files.
_AGGREGATE_TOLERANCE = 1e-6


def validate_scores(obj: Any, origin: str) -> dict[str, Any]:
    """Check a loaded scores.json; raise ``XmixError`` naming ``origin`` and the bad field."""
    if not isinstance(obj, dict):
        raise XmixError(f"{origin}: expected a JSON object, got {type(obj).__name__}")
    expected_keys = {"schema", "tasks", "groups", "xtreme_r"}
    if set(obj) != expected_keys:
        raise XmixError(f"{origin}: top-level fields must be {sorted(expected_keys)}, got {sorted(obj)}")
    if obj["schema"] != SCHEMA:
        raise XmixError(f"{origin}: field 'schema' is {obj['schema']!r}; this xmix reads {SCHEMA!r}")
    tasks = obj["tasks"]
    if not isinstance(tasks, dict):
        raise XmixError(f"{origin}: field 'tasks' must be an object, got {tasks!r}")
    for task, entry in tasks.items():
        _validate_task(task, entry, origin)

    groups = obj["groups"]
    if not isinstance(groups, dict) or set(groups) != set(TASK_GROUPS):
        raise XmixError(f"{origin}: field 'groups' must have exactly {list(TASK_GROUPS)}, got {groups!r}")
    for group, expected in _group_scores(tasks).items():
        _check_aggregate(groups[group], expected, f"groups.{group}", origin)

    summary = obj["xtreme_r"]
    if not isinstance(summary, dict) or set(summary) != {"score", "missing"}:
        raise XmixError(f"{origin}: field 'xtreme_r' must have 'score' and 'missing', got {summary!r}")
    missing = [task for task in XTREME_R_TASKS if task not in tasks]
    if summary["missing"] != missing:
        raise XmixError(f"{origin}: field 'xtreme_r.missing' is {summary['missing']!r}, but the tasks present leave {missing!r}")
    expected_overall = None if missing else _mean([tasks[t]["score"] for t in XTREME_R_TASKS])
    _check_aggregate(summary["score"], expected_overall, "xtreme_r.score", origin)
    return obj


def _validate_task(task: str, entry: Any, origin: str) -> None:
    if task not in TASK_METRIC:
        raise XmixError(f"{origin}: field 'tasks.{task}' is not an XTREME-R task (known: {', '.join(XTREME_R_TASKS)})")
    if not isinstance(entry, dict) or set(entry) != {"metric", "score", "languages"}:
        raise XmixError(f"{origin}: field 'tasks.{task}' must have 'metric', 'score' and 'languages', got {entry!r}")
    if entry["metric"] != TASK_METRIC[task]:
        raise XmixError(f"{origin}: field 'tasks.{task}.metric' is {entry['metric']!r}; {task} is scored by {TASK_METRIC[task]!r}")
    languages = entry["languages"]
    if not isinstance(languages, dict) or not languages:
        raise XmixError(f"{origin}: field 'tasks.{task}.languages' must be a non-empty object, got {languages!r}")
    for language, metrics in languages.items():
        _check_language_metrics(task, metrics, f"tasks.{task}.languages.{language}", origin)
    _check_percent(entry["score"], f"tasks.{task}.score", origin)
    _check_aggregate(entry["score"], task_score(task, languages), f"tasks.{task}.score", origin)


def _check_aggregate(value: Any, expected: float | None, field: str, origin: str) -> None:
    if expected is None:
        if value is not None:
            raise XmixError(f"{origin}: field '{field}' must be null (none of its tasks are present), got {value!r}")
        return
    if not _is_number(value) or abs(value - expected) > _AGGREGATE_TOLERANCE:
        raise XmixError(f"{origin}: field '{field}' is {value!r}, but its parts average to {expected!r}")
