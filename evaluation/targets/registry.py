"""XTREME-R targets: name -> reader, English stage-2 data, format and metric.

Languages are discovered from the data folder (``file_pattern``), so a new
language supplied in a task's file format evaluates without code changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from evaluation.errors import XmixError
from evaluation.examples import Example, Format
from evaluation.registry import Registry


@dataclass(frozen=True)
class Stage2Data:
    """The English training set a target fine-tunes on before zero-shot evaluation."""

    description: str  # which real data set, and how it differs from the official one
    files: tuple[str, ...]
    read: Callable[[Path], Sequence[Example]]
    lineage: str


@dataclass(frozen=True)
class Target:
    name: str
    format: Format
    # "{split}" and "{lang}" are filled in; one file per language (and split).
    file_patterns: tuple[str, ...]
    read: Callable[[Path, str, str], Sequence[Example]]  # (data root, language, split)
    # (examples, predictions) -> this language's metrics, 0-100
    score: Callable[[Sequence[Example], Sequence], dict[str, float]]
    splits: tuple[str, ...]
    default_split: str
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

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise XmixError(f"target {self.name}: split {split!r} not available (allowed: {', '.join(self.splits)})")


TARGETS: Registry[Target] = Registry("target")


def register_target(target: Target) -> Target:
    return TARGETS.register(target.name, target)
