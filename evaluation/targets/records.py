"""Record-by-record reading shared by the targets' and the sources' readers."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def parse_each(path: Path, rows: Iterable[tuple[int, object]], parse: Callable[[object, str], T | None]) -> list[T]:
    """``parse(row, "<path>:<line>")`` over a file's numbered rows, in order; a row it
    parses to None is dropped (a data set's unlabelled or unusable rows)."""
    examples = []
    for line, row in rows:
        example = parse(row, f"{path}:{line}")
        if example is not None:
            examples.append(example)
    return examples
