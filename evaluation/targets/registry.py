"""XTREME-R targets: name -> reader, English stage-2 data, format, metric and group.

A target is one module that calls ``register_target``; the score tables
(``evaluation.scores``) and ``xmix score`` (``evaluation.score_files``) are
derived from the registered targets.

Languages are discovered from the data folder (``file_pattern``), so a new
language supplied in a task's file format evaluates without code changes.

Every target scores two disjoint eval sets (``EvalSet``): role "search", which
the hyperparameter search sees, and role "report", held out for the reported
numbers. With a second labelled split (``report_split``) the roles are whole
splits; otherwise one split is cut in two by ``evaluation.splits.role_of`` of
each example's ``half_key``. Per example, ``unit_scores`` gives the rows that
``from_units`` turns back into the language score, so a bootstrap can resample
examples without re-running a model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from evaluation.errors import XmixError
from evaluation.examples import Example, Format
from evaluation.registry import Registry
from evaluation.splits import REPORT, ROLES, SEARCH, role_of

__all__ = ["SEARCH", "REPORT", "ROLES", "EvalSet", "PredictionFormat", "Stage2Data", "Target", "TARGETS",
           "TASK_ORDER", "index_key", "register_target", "role_of"]


@dataclass(frozen=True)
class EvalSet:
    """Which examples a role scores: all of ``split`` (``half`` None), or the half of it
    whose examples' keys ``role_of`` sends to ``half``."""

    role: str
    split: str
    half: str | None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise XmixError(f"eval set: role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.half is not None and self.half not in ROLES:
            raise XmixError(f"eval set: half {self.half!r} is not one of {', '.join(ROLES)} (or None)")


def index_key(example: Example, index: int) -> str:
    """The example's position in its file: the same item in every language of a
    line-aligned parallel set (XNLI, XCOPA)."""
    return f"line {index}"


@dataclass(frozen=True)
class Stage2Data:
    """The English training set a target fine-tunes on before zero-shot evaluation."""

    description: str  # which real data set, and how it differs from the official one
    files: tuple[str, ...]
    read: Callable[[Path], Sequence[Example]]
    lineage: str


class PredictionFormat(str, Enum):
    """What ``xmix score`` reads from a target's prediction and gold files (evaluation.score_files)."""

    LABELS = "labels"  # one label per line
    INDICES = "indices"  # one English line index per line
    TAGS = "tags"  # one tag per line, a blank line between sentences
    ANSWERS = "answers"  # {question id: answer text} against SQuAD v1.1 JSON
    RANKINGS = "rankings"  # {query id: [ranked ids]} against {query id: [relevant ids]}


@dataclass(frozen=True)
class Target:
    name: str
    family: str  # evaluation.families: what the zero-shot guard compares with the sources'
    group: str  # XTREME-R's task category, a group of the score file ("classification", ...)
    format: Format
    # The per-language metric the task score averages ("em_f1_mean": of exact_match and
    # f1) and the evaluation.metrics function behind it; ``xmix score`` calls a QA or
    # ranking target's on the files' contents (QA: the file's language as third argument).
    metric: str
    metric_fn: Callable[..., float | dict[str, float]]
    prediction_format: PredictionFormat
    # "{split}" and "{lang}" are filled in; one file per language (and split).
    file_patterns: tuple[str, ...]
    read: Callable[[Path, str, str], Sequence[Example]]  # (data root, language, split)
    # (examples, predictions) -> this language's metrics, 0-100
    score: Callable[[Sequence[Example], Sequence], dict[str, float]]
    # (examples, predictions) -> one row per example, shape (n,) or (n, k); from_units(rows)
    # == evaluation.scores.language_score(name, score(examples, predictions)), and
    # from_units(rows[idx]) is the metric of the resampled examples idx.
    unit_scores: Callable[[Sequence[Example], Sequence], np.ndarray]
    from_units: Callable[[np.ndarray], float]
    splits: tuple[str, ...]
    default_split: str  # the search set's split when report_split is set
    labels: tuple[str, ...] = ()
    stage2: Stage2Data | None = None
    # Spec codes accepted besides the data's own (Tatoeba: ISO 639-1 -> ISO 639-3).
    language_aliases: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # Where the evaluated text comes from, for the leakage guard: "{name}" and
    # "{split}" are filled in. A translation of another data set names that data
    # set (XQuAD and LAReQA translate SQuAD v1.1 dev: "squad1.1/dev").
    lineage_pattern: str = "{name}/{split}"
    # For a file split between training and evaluation (MLQA dev), the half this
    # target evaluates on ("eval-half", see evaluation.splits); None: the whole file.
    part: str | None = None

    # A split whose files follow another layout (TyDiQA's offline train files).
    split_file_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A second labelled split: the report set is all of it, the search set all of
    # default_split. None: both are halves of one split.
    report_split: str | None = None
    # (example, index in the file) -> the key role_of hashes to pick the example's
    # half. In a parallel set it names the item, not the translation, so an item
    # lands in the same half in every language.
    half_key: Callable[[Example, int], str] = index_key
    prediction_extensions: tuple[str, ...] = ("tsv",)  # of test-<lang>.<ext>, for ``xmix score``

    def eval_sets(self, split: str | None = None) -> dict[str, EvalSet]:
        """{role: EvalSet}. ``split`` None: the target's own sets; a split named
        explicitly (a spec's ``targets.<t>.split``, checked by sweep.validate) is cut
        into both roles."""
        if split is None and self.report_split is not None:
            return {SEARCH: EvalSet(SEARCH, self.default_split, None),
                    REPORT: EvalSet(REPORT, self.report_split, None)}
        chosen = self.default_split if split is None else split
        return {role: EvalSet(role, chosen, role) for role in ROLES}

    def half_keys(self, root: Path, examples: Sequence[Example]) -> list[str]:
        """What role_of hashes, per example (a target whose key needs more than the
        example, such as MLQA's paragraph groups, overrides this)."""
        return [self.half_key(example, index) for index, example in enumerate(examples)]

    def read_eval(self, root: Path, language: str, eval_set: EvalSet) -> list[Example]:
        """The examples of ``eval_set`` in ``language``, in file order."""
        examples = list(self.read(root, language, eval_set.split))
        if eval_set.half is None:
            return examples
        keys = self.half_keys(root, examples)
        return [example for example, key in zip(examples, keys) if role_of(key) == eval_set.half]

    def lineage(self, split: str, language: str = "") -> str:
        """"{lang}" in the pattern: the languages are independent texts (TyDiQA), not translations."""
        return self.lineage_pattern.format(name=self.name, split=split, lang=language)

    def patterns(self, split: str) -> tuple[str, ...]:
        return self.split_file_patterns.get(split, self.file_patterns)

    def files(self, language: str, split: str) -> tuple[str, ...]:
        return tuple(p.format(split=split, lang=language) for p in self.patterns(split))

    def available_languages(self, root: Path, split: str) -> list[str]:
        pattern = self.patterns(split)[0].format(split=split, lang="\0")
        first, *rest = [re.escape(part) for part in pattern.split("\0")]
        regex = re.compile(first + "".join(("(?P<lang>[^/]+)" if n == 0 else "(?P=lang)") + part
                                           for n, part in enumerate(rest)))
        found = []
        for path in sorted(root.glob(pattern.replace("\0", "*"))):
            match = regex.fullmatch(path.relative_to(root).as_posix())
            if match and all((root / f).is_file() for f in self.files(match["lang"], split)):
                found.append(match["lang"])
        return found

    def canonical_language(self, language: str) -> str:
        return self.language_aliases.get(language, language)


TARGETS: Registry[Target] = Registry("target")
# Registration order, which evaluation.targets makes XTREME-R's table order: score
# files list tasks and groups in it.
TASK_ORDER: list[str] = []


def register_target(target: Target) -> Target:
    TARGETS.register(target.name, target)
    if target.name not in TASK_ORDER:
        TASK_ORDER.append(target.name)
    return target
