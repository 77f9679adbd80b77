"""Leakage guard: nothing evaluated may have been trained on, as text or by lineage.

Two checks run before any training step:

* Text: every example is hashed from its normalised texts; a hash shared by a
  trained and an evaluated example is an overlap. This catches copies within one
  language (an XNLI dev pair pasted into a training file).
* Lineage: a translation shares no text with its original, so text hashes cannot see
  that KorNLI is XNLI test in Korean. Each data use names the lineage of its
  original text ("xnli/test"); a trained and an evaluated use with the same lineage
  are refused unless they are declared disjoint halves of it (MLQA dev's
  "train-half" / "eval-half", see ``evaluation.splits``).
"""
from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from evaluation.errors import XmixError
from evaluation.examples import Example

FIELD_SEPARATOR = "\x1f"  # ASCII unit separator: cannot occur in normalised text fields


@dataclass(frozen=True)
class DataUse:
    role: str  # e.g. "source mnli", "stage2 xnli", "target xnli/de"
    lineage: str
    part: str | None
    examples: Sequence[Example]


# QA contexts repeat across the questions of a paragraph; caching skips re-normalising them.
@lru_cache(maxsize=65536)
def normalise_text(text: str) -> str:
    """NFKC, casefold, whitespace runs to one space, stripped: copies that differ only
    in Unicode form, case or spacing hash the same."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def example_hash(example: Example) -> str:
    joined = FIELD_SEPARATOR.join(normalise_text(text) for text in example.texts())
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def _disjoint_halves(trained: DataUse, evaluated: DataUse) -> bool:
    return trained.part is not None and evaluated.part is not None and trained.part != evaluated.part


def _lineage_problems(trained: Sequence[DataUse], evaluated: Sequence[DataUse]) -> list[str]:
    problems = []
    for train_use in trained:
        for eval_use in evaluated:
            if train_use.lineage == eval_use.lineage and not _disjoint_halves(train_use, eval_use):
                problems.append(
                    f"{train_use.role} and {eval_use.role} share lineage {train_use.lineage!r}: "
                    f"one is a translation or copy of the other "
                    f"(parts: {train_use.part or 'whole'} / {eval_use.part or 'whole'})"
                )
    return problems


def _overlap_problems(trained: Sequence[DataUse], evaluated: Sequence[DataUse]) -> list[str]:
    """One set lookup per evaluated example: linear in the number of examples."""
    roles_by_hash: dict[str, set[str]] = defaultdict(set)
    for use in trained:
        for example in use.examples:
            roles_by_hash[example_hash(example)].add(use.role)
    # (trained role, evaluated role) -> how many evaluated examples also appear in training
    counts: Counter[tuple[str, str]] = Counter()
    for use in evaluated:
        for example in use.examples:
            for train_role in roles_by_hash.get(example_hash(example), ()):
                counts[(train_role, use.role)] += 1
    return [
        f"{train_role} contains {count} example(s) of {eval_role} (identical text after normalisation)"
        for (train_role, eval_role), count in sorted(counts.items())
    ]


def check_leakage(trained: Sequence[DataUse], evaluated: Sequence[DataUse]) -> dict:
    """Raise ``XmixError`` listing every overlap and lineage clash; else return a summary."""
    problems = _lineage_problems(trained, evaluated) + _overlap_problems(trained, evaluated)
    if problems:
        raise XmixError(
            "leakage: training data would include evaluation data:\n  - " + "\n  - ".join(problems)
            + "\nRemove the source (or the target language), or use a disjoint split."
        )
    return {
        "trained_examples": sum(len(use.examples) for use in trained),
        "evaluated_examples": sum(len(use.examples) for use in evaluated),
        "lineages_checked": len({use.lineage for use in (*trained, *evaluated)}),
        "overlaps": 0,
    }
