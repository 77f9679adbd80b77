"""Deterministic halves of files that serve both as training and as evaluation data.

MLQA has no labelled test split here, so its dev files are cut in two: the mlqa.*
sources train on the "train-half" and an MLQA target evaluates on the "eval-half".
MLQA dev is multi-way parallel (one question id in every language), so the cut is
made on question ids, and an id lands in the same half in every language.

``half_of`` hashes with sha256 rather than ``hash()``, which is salted per process:
every Ray worker and every later run must agree on the split.

Every target's evaluated examples are cut once more, into a "search" set (what
the hyperparameter search optimises) and a "report" set (held out for the
numbers that are reported), wherever the data has no second labelled split.
``role_of`` decides that cut. It hashes a salted key, so it is independent of
``half_of``: with the same unsalted hash, MLQA's search/report cut would repeat
its train/eval cut, and every MLQA group in the eval half would land on one
side (the report set would be empty).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from evaluation.readers import read_squad

SEARCH, REPORT = "search", "report"
ROLES = (SEARCH, REPORT)
# Changing the salt reshuffles every search/report set, and with them the
# meaning of every result recorded so far: tests pin known values.
_ROLE_SALT = "xmix-search-report:"

TRAIN_HALF = "train-half"
EVAL_HALF = "eval-half"
HALVES = (TRAIN_HALF, EVAL_HALF)

# The same-language MLQA dev files in the data folder (English holds every question id).
MLQA_LANGUAGES = ("en", "ar", "de", "es", "hi", "vi", "zh")


def half_of(key: str) -> str:
    """"train-half" or "eval-half", from the first byte of sha256(key): stable everywhere."""
    return HALVES[hashlib.sha256(key.encode("utf-8")).digest()[0] & 1]


def role_of(key: str) -> str:
    """"search" or "report", from the first byte of sha256(salt + key): stable everywhere."""
    return ROLES[hashlib.sha256((_ROLE_SALT + key).encode("utf-8")).digest()[0] & 1]


def mlqa_file(language: str) -> str:
    return f"mlqa/dev-context-{language}-question-{language}.json"


MLQA_FILES = tuple(mlqa_file(language) for language in MLQA_LANGUAGES)


@lru_cache(maxsize=4)
def mlqa_groups(data_root: Path) -> Mapping[str, str]:
    """MLQA question id -> its paragraph group's root (smallest id), the same for every language.

    A quarter of MLQA questions share their paragraph with another question. Cutting
    by question id alone would put one paragraph on both sides (the model would have
    read the evaluation passage in training, or the search set would hold the
    passage of a report question), so ids that share a paragraph in *any* language
    are grouped (union-find), and every cut of MLQA hashes the group's root.
    Paragraphs are segmented differently across languages, which is why all the
    MLQA files are read, not English alone.
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
    return MappingProxyType({qid: root(qid) for qid in list(parent)})


@lru_cache(maxsize=4)
def mlqa_halves(data_root: Path) -> Mapping[str, str]:
    """MLQA question id -> train/eval half: ``half_of`` its paragraph group's root (``mlqa_groups``)."""
    return MappingProxyType({qid: half_of(group) for qid, group in mlqa_groups(data_root).items()})
