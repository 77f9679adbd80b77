"""TyDiQA-GoldP: extractive QA on native questions, SQuAD v1.1 exact match and F1.

Reader for the XTREME download layout,
``tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.{lang}.dev.json`` (what ``utils_preprocess.py``
renames the official per-language dev files to). **No labelled evaluation data is
offline**: the only mirror of the per-language dev files has every answer blanked
(XTREME hides them), so they were not copied, and ``available_languages`` finds
none in ``../shared/data``. The target exists so a data root with the XTREME
download evaluates it without code changes. (The offline en/ko/sw *train* files
are stage-1 sources and this target's stage-2 data; they are not a substitute
evaluation set.)

Stage 2: TyDiQA-GoldP English train (official XTREME-R: SQuAD v1.1 train, not
offline). Metric: SQuAD v1.1 normalisation, task score = (EM + F1) / 2.
"""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import Format, SpanExample
from evaluation.targets.qa import QA_STAGE2, read_squad_checked, squad_v11_scores
from evaluation.targets.registry import Target, register_target


def read_tydiqa(root: Path, language: str, split: str) -> list[SpanExample]:
    return read_squad_checked(root / f"tydiqa/tydiqa-goldp-v1.1-{split}/tydiqa.{language}.{split}.json")


TYDIQA = register_target(Target(
    name="tydiqa",
    format=Format.EXTRACTIVE_QA,
    file_patterns=("tydiqa/tydiqa-goldp-v1.1-{split}/tydiqa.{lang}.{split}.json",),
    read=read_tydiqa,
    score=squad_v11_scores,
    splits=("dev",),
    default_split="dev",
    stage2=QA_STAGE2,
    description="extractive QA (TyDiQA-GoldP dev; no labelled copy offline); EM and F1",
))
