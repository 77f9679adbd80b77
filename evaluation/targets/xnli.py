"""XNLI: sentence-pair classification, accuracy per language.

Eval sets: search = dev, report = test (both labelled here, 1,000 items per
language, the same items in every language).

Stage 2 trains on MNLI English train. Offline we have a 4,000-example random
sample of MNLI train (../shared/data/mnli), not the 393k official set.
"""
from __future__ import annotations

from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import Format, PairExample
from evaluation.fields import label_id
from evaluation.readers import read_json, read_tsv
from evaluation import families
from evaluation.targets.classification import LABEL_KIND
from evaluation.targets.registry import Stage2Data, Target, register_target

# One label order for every NLI head (the stage-1 NLI sources) and XNLI, so ids need no remapping.
NLI_LABELS = ("entailment", "neutral", "contradiction")
NLI_LABEL_IDS = {name: index for index, name in enumerate(NLI_LABELS)}
FILE_PATTERN = "xnli/{split}-{lang}.tsv"


def _label(path: Path, line: int, name: str) -> int:
    return label_id(name.strip(), NLI_LABEL_IDS, f"{path}:{line}")


def read_xnli(root: Path, language: str, split: str) -> list[PairExample]:
    path = root / FILE_PATTERN.format(split=split, lang=language)
    return [PairExample(a, b, _label(path, line, label)) for line, (a, b, label) in read_tsv(path, 3)]


def read_mnli_train(root: Path) -> list[PairExample]:
    """The source repo's JSON object {"0": {text_a, text_b, label}, ...}."""
    path = root / "mnli/train.first4000.json"
    records = read_json(path)
    if not isinstance(records, dict):
        raise XmixError(f"{path}: expected a JSON object of examples")
    return [PairExample(r["text_a"], r["text_b"], _label(path, int(key) + 1, r["label"]))
            for key, r in records.items()]


XNLI = register_target(Target(
    name="xnli",
    family=families.NLI,
    **LABEL_KIND,
    format=Format.CLASSIFICATION,
    file_patterns=(FILE_PATTERN,),
    read=read_xnli,
    splits=("dev", "test"), default_split="dev", report_split="test",
    labels=NLI_LABELS,
    stage2=Stage2Data(
        description="MNLI English train, 4,000-example random sample (official: all 393k)",
        files=("mnli/train.first4000.json",),
        read=read_mnli_train,
        lineage="mnli/train",
    ),
    description="cross-lingual NLI; accuracy",
))
