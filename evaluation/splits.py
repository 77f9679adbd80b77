"""Deterministic halves of files that serve both as training and as evaluation data.

MLQA has no labelled test split here, so its dev files are cut in two: the mlqa.*
sources train on the "train-half" and an MLQA target evaluates on the "eval-half".
MLQA dev is multi-way parallel (one question id in every language), so the cut is
made on question ids, and an id lands in the same half in every language.

``half_of`` hashes with sha256 rather than ``hash()``, which is salted per process:
every Ray worker and every later run must agree on the split.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from evaluation.readers import read_squad

TRAIN_HALF = "train-half"
EVAL_HALF = "eval-half"
HALVES = (TRAIN_HALF, EVAL_HALF)

# The same-language MLQA dev files in the data folder (English holds every question id).
MLQA_LANGUAGES = ("en", "ar", "de", "es", "hi", "vi", "zh")


def half_of(key: str) -> str:
    """"train-half" or "eval-half", from the first byte of sha256(key): stable everywhere."""
    return HALVES[hashlib.sha256(key.encode("utf-8")).digest()[0] & 1]


def mlqa_file(language: str) -> str:
    return f"mlqa/dev-context-{language}-question-{language}.json"


MLQA_FILES = tuple(mlqa_file(language) for language in MLQA_LANGUAGES)


@lru_cache(maxsize=4)
def mlqa_halves(data_root: Path) -> Mapping[str, str]:
    """MLQA question id -> half, the same for every language.

    A quarter of MLQA questions share their paragraph with another question. Cutting
    by question id alone would put one paragraph on both sides (the model would have
    read the evaluation passage in training), so ids that share a paragraph in *any*
    language are grouped (union-find), and each group is split by ``half_of`` of its
    smallest id. Paragraphs are segmented differently across languages, which is why
    all the MLQA files are read, not English alone.
    """
    parent: dict[str, str] = {}

    def root(qid: str) -> str:
        while parent.setdefault(qid, qid) != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    for name in MLQA_FILES:
        first_of_paragraph: dict[str, str] = {}
        for example in read_squad(Path(data_root) / name):
            anchor = first_of_paragraph.setdefault(example.context, example.qid)
            a, b = root(anchor), root(example.qid)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller id stays the group's root
    return MappingProxyType({qid: half_of(root(qid)) for qid in list(parent)})
