"""PAN-X (WikiANN NER): tagging, seqeval entity F1 per language.

The offline test files are XTREME's label-stripped copies, so evaluation uses the
labelled dev split by default, cut in two: each sentence's search/report role is
``role_of`` of its tokens (``sentence_key``). Stage 2: PAN-X English train (first
5,000 of 20,000).
"""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import TagExample
from evaluation.readers import read_tagged_conll
from evaluation.targets.tagging import TAGGING_KIND
from evaluation import families
from evaluation.targets.registry import Stage2Data, Target, register_target

PANX_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
FILE_PATTERN = "panx/{split}-{lang}.tsv"


def read_panx(root: Path, language: str, split: str) -> list[TagExample]:
    return read_tagged_conll(root / FILE_PATTERN.format(split=split, lang=language), PANX_LABELS)


def read_panx_english_train(root: Path) -> list[TagExample]:
    return read_tagged_conll(root / "panx/train-en.tsv", PANX_LABELS)


PANX = register_target(Target(
    name="panx",
    family=families.NER,
    **TAGGING_KIND,
    file_patterns=(FILE_PATTERN,),
    read=read_panx,
    splits=("dev",), default_split="dev",
    labels=PANX_LABELS,
    stage2=Stage2Data(
        description="PAN-X English train, first 5,000 of 20,000 sentences",
        files=("panx/train-en.tsv",),
        read=read_panx_english_train,
        lineage="panx/train",
    ),
    description="named entities (PER/ORG/LOC); seqeval F1",
))
