"""Stage-1 sources: name -> how to read it, its language, format and lineage.

A source is data we may *train* on before the target fine-tuning. Every source
module calls ``register`` at import time; ``training.sources`` imports all
of them, so ``SOURCES`` is complete after ``import training.sources``.

Each source declares its task family (``evaluation.families``) so the zero-shot
guard (``training.zero_shot``) can refuse a source that trains a target's task in a
language that target evaluates.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

from evaluation.examples import Example, Format
from evaluation.families import FAMILIES
from evaluation.registry import Registry
from training.sources.records import read_files


@dataclass(frozen=True)
class Source:
    name: str  # "mnli", "pawsx.de": what a spec's intermediate.sources lists
    language: str  # ISO 639-1; "en" puts the source in the English group
    family: str  # evaluation.families: the task it trains, compared with the targets' by the zero-shot guard
    format: Format
    files: tuple[str, ...]  # relative to the data root; validate checks they exist
    read: Callable[[Path], Sequence[Example]]  # data root -> examples, in file order
    # Where the text comes from. A file and its translations share one lineage
    # (KorNLI and XNLI test are both "xnli/test"), so the leakage guard can tell
    # that training on one and evaluating on the other is the same data.
    lineage: str
    # For a file split between training and evaluation (MLQA dev), which half.
    part: str | None = None
    labels: tuple[str, ...] = ()  # classification / tagging label names, in id order
    description: str = ""

    @property
    def is_english(self) -> bool:
        return self.language == "en"


SOURCES: Registry[Source] = Registry("source")


def register_source(source: Source) -> Source:
    # A misspelt family would silently escape the zero-shot guard: refuse it at import.
    if source.family not in FAMILIES:
        raise ValueError(f"source {source.name!r}: family {source.family!r} not one of {', '.join(FAMILIES)}")
    return SOURCES.register(source.name, source)


def register(*, read_one: Callable[[Path], Sequence[Example]] | None = None, **fields: Any) -> Source:
    """Register ``Source(**fields)``. With ``read_one`` (path -> examples) instead of
    ``read``, the source reads each of its files and concatenates them in order;
    ``functools.partial`` (not a closure) keeps it picklable for Ray workers."""
    if read_one is not None:
        fields["read"] = partial(read_files, files=fields["files"], read_one=read_one)
    return register_source(Source(**fields))
