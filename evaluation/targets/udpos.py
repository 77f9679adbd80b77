"""UD-POS: part-of-speech tagging with the 17 UPOS tags, scored as the official script does.

Data: XTREME's preprocessed Universal Dependencies v2.5 files (token<TAB>UPOS,
blank line between sentences), ``udpos/{split}-{lang}.tsv``. Evaluation uses the
test split (English also has dev). Offline there is no German test file: the only
copy found has tokens but no tags (``../shared/data/MANIFEST.md``), so ``de`` is
not available here; everything else XTREME evaluates is. The test split is cut
into the search and report sets by ``role_of`` of each sentence's tokens
(``sentence_key``); only English has a dev split.

Stage 2: UD English train (EWT, XTREME preprocessing), first 5,000 of 21,787
sentences (official: all of it).

Metric: ``evaluation.metrics.tagging_scores``, i.e. seqeval over POS tags as
``evaluate.py`` computes it (runs of equal tags are chunks; see that docstring).
"""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import TagExample
from evaluation.readers import read_tagged_conll
from evaluation.targets.tagging import TAGGING_KIND
from evaluation import families
from evaluation.targets.registry import Stage2Data, Target, register_target

# The 17 Universal Dependencies v2 UPOS tags, sorted (the order of the udpos.* sources).
UPOS_TAGS = tuple(sorted((
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)))
FILE_PATTERN = "udpos/{split}-{lang}.tsv"


def read_upos(path: Path) -> list[TagExample]:
    return read_tagged_conll(path, UPOS_TAGS)


def read_udpos(root: Path, language: str, split: str) -> list[TagExample]:
    return read_upos(root / FILE_PATTERN.format(split=split, lang=language))


def read_udpos_english_train(root: Path) -> list[TagExample]:
    return read_upos(root / "udpos/train-en.tsv")


UDPOS = register_target(Target(
    name="udpos",
    family=families.POS,
    **TAGGING_KIND,
    file_patterns=(FILE_PATTERN,),
    read=read_udpos,
    splits=("test", "dev"), default_split="test",
    labels=UPOS_TAGS,
    stage2=Stage2Data(
        description="UD English-EWT train (XTREME preprocessing), first 5,000 of 21,787 sentences",
        files=("udpos/train-en.tsv",),
        read=read_udpos_english_train,
        lineage="udpos/train",
    ),
    description="part-of-speech tagging, 17 UPOS tags; seqeval F1 as evaluate.py",
))
