"""XQuAD: extractive QA, SQuAD v1.1 exact match and F1 per language.

Data: deepmind/xquad ``xquad/xquad.{lang}.json`` (11 languages, 1,190 questions
each, full files; also the XTREME download layout). XQuAD is a professional
translation of 240 SQuAD v1.1 *dev* paragraphs, so its lineage is
``squad1.1/dev`` (shared with LAReQA, which is built from the same text).

Stage 2: TyDiQA-GoldP English train instead of SQuAD v1.1 train (not offline);
see ``evaluation.targets.qa``. Metric: SQuAD v1.1 normalisation (``evaluate.py``
scores XQuAD with the SQuAD script), task score = (EM + F1) / 2.

Eval sets: the one split is cut in two by ``role_of`` of the question id, which
is the same in every language, so a question is in the same set everywhere.
"""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import SpanExample
from evaluation.targets.qa import SQUAD_V11_KIND, read_squad_checked
from evaluation.targets.registry import Target, register_target

FILE_PATTERN = "xquad/xquad.{lang}.json"


def read_xquad(root: Path, language: str, split: str) -> list[SpanExample]:
    return read_squad_checked(root / FILE_PATTERN.format(lang=language))


XQUAD = register_target(Target(
    name="xquad",
    **SQUAD_V11_KIND,
    file_patterns=(FILE_PATTERN,),
    read=read_xquad,
    splits=("test",), default_split="test",
    lineage_pattern="squad1.1/dev",
    description="extractive QA (SQuAD v1.1 dev translated); EM and F1",
))
