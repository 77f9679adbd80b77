"""Paraphrase identification sources: QQP (English) and PAWS-X dev (7 languages).

QQP's "duplicate question" is treated as paraphrase, so both share
``PARAPHRASE_LABELS``; the raw files write 0/1 and the table maps them.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from evaluation.examples import Format, PairExample
from evaluation.families import PARAPHRASE
from evaluation.readers import read_tsv
from evaluation.fields import label_id
from training.sources.records import read_keyed_pairs
from training.sources.registry import register

PARAPHRASE_LABELS = ("not_paraphrase", "paraphrase")
RAW_BINARY_LABEL_IDS = {"0": 0, "1": 1}

# PAWS-X dev exists for these languages; all are human translations of PAWS dev (en).
PAWSX_LANGUAGES = ("en", "de", "es", "fr", "ja", "ko", "zh")


def read_qqp(path: Path) -> list[PairExample]:
    return read_keyed_pairs(path, RAW_BINARY_LABEL_IDS)


def read_pawsx(path: Path) -> list[PairExample]:
    """XTREME-format PAWS-X: sentence1<TAB>sentence2<TAB>label, no header."""
    return [
        PairExample(first, second, label_id(label, RAW_BINARY_LABEL_IDS, f"{path}:{line}"))
        for line, (first, second, label) in read_tsv(path, columns=3)
    ]


_register = partial(register, family=PARAPHRASE, format=Format.CLASSIFICATION, labels=PARAPHRASE_LABELS)


_register(name="qqp", language="en", files=("qqp/train.first4000.json",), read_one=read_qqp, lineage="qqp/train",
          description="Quora Question Pairs train: first 4000 of a 9k random sample (duplicate = paraphrase)")

for _language in PAWSX_LANGUAGES:
    # Every language is a translation of the same English dev pairs: one lineage.
    _register(name=f"pawsx.{_language}", language=_language, files=(f"pawsx/dev-{_language}.tsv",),
              read_one=read_pawsx, lineage="pawsx/dev",
              description=f"PAWS-X dev ({_language}), 2000 adversarial paraphrase pairs")
