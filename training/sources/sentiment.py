"""Sentiment sources: SST-2 (single sentences, so ``text_b`` is None)."""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import Format, PairExample
from evaluation.families import SENTIMENT
from evaluation.readers import read_tsv
from evaluation.fields import label_id
from training.sources.registry import register

SENTIMENT_LABELS = ("negative", "positive")
SST2_LABEL_IDS = {"0": 0, "1": 1}  # the file writes 0 = negative, 1 = positive


def read_sst2(path: Path) -> list[PairExample]:
    """TSV with header sentence<TAB>label."""
    return [
        PairExample(sentence, None, label_id(label, SST2_LABEL_IDS, f"{path}:{line}"))
        for line, (sentence, label) in read_tsv(path, columns=2, header=True)
    ]


register(name="sst2", language="en", family=SENTIMENT, format=Format.CLASSIFICATION, labels=SENTIMENT_LABELS,
         files=("sst2/train.first4000.tsv",), read_one=read_sst2, lineage="sst2/train",
         description="SST-2 sentence-level train (LM-BFF split), first 4000 sentences, binary sentiment")
