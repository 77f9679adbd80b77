"""PAN-X (WikiANN NER): tagging, seqeval entity F1 per language.

The offline test files are XTREME's label-stripped copies, so evaluation uses the
labelled dev split by default. Stage 2: PAN-X English train (first 5,000 of 20,000).
"""
from __future__ import annotations

from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import Format, TagExample
from evaluation.metrics import tagging_scores
from evaluation.readers import read_conll
from evaluation.targets.registry import Stage2Data, Target, register_target

PANX_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")


def _read_labelled(path: Path) -> list[TagExample]:
    sentences = read_conll(path)
    unknown = {tag for s in sentences for tag in s.tags} - set(PANX_LABELS)
    if unknown:
        raise XmixError(f"{path}: unknown tags {sorted(unknown)[:5]} (allowed: {', '.join(PANX_LABELS)})")
    return sentences


def read_panx(root: Path, language: str, split: str) -> list[TagExample]:
    return _read_labelled(root / f"panx/{split}-{language}.tsv")


def score_panx(examples, predicted_tags) -> dict[str, float]:
    return tagging_scores([list(e.tags) for e in examples], [list(p) for p in predicted_tags])


PANX = register_target(Target(
    name="panx",
    format=Format.TAGGING,
    file_patterns=("panx/{split}-{lang}.tsv",),
    read=read_panx,
    score=score_panx,
    splits=("dev",),
    default_split="dev",
    labels=PANX_LABELS,
    stage2=Stage2Data(
        description="PAN-X English train, first 5,000 of 20,000 sentences",
        files=("panx/train-en.tsv",),
        read=lambda root: _read_labelled(root / "panx/train-en.tsv"),
        lineage="panx/train",
    ),
    description="named entities (PER/ORG/LOC); seqeval F1",
))
