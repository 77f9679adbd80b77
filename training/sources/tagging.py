"""Token tagging sources: UD POS (UPOS tags) and PAN-X / WikiANN NER train files.

Files are XTREME's token<TAB>tag layout, read by ``evaluation.readers.read_conll``.
Each source declares its full tag set, sorted, so a tag id means the same thing in
every language even when a file's sample lacks a tag (zh has no INTJ, for example).
"""
from __future__ import annotations

from functools import partial

from evaluation.examples import Format
from evaluation.families import NER, POS
from evaluation.readers import read_tagged_conll
from evaluation.targets.panx import PANX_LABELS
from evaluation.targets.udpos import UPOS_TAGS as UDPOS_TARGET_TAGS
from training.sources.registry import register

# Tag sets are declared once, by the targets that evaluate them.
UPOS_TAGS = UDPOS_TARGET_TAGS
PANX_TAGS = tuple(sorted(PANX_LABELS))  # sorted, like every source tag set
UDPOS_LANGUAGES = ("en", "ar", "zh", "tr", "ja")  # the UD train files available
PANX_LANGUAGES = ("en", "de", "es", "fr", "ar", "hi", "ru", "zh")  # the PAN-X train files available


_register = partial(register, format=Format.TAGGING)


for _language in UDPOS_LANGUAGES:
    _register(name=f"udpos.{_language}", language=_language, family=POS, files=(f"udpos/train-{_language}.tsv",),
              labels=UPOS_TAGS, read_one=partial(read_tagged_conll, tags=UPOS_TAGS), lineage="udpos/train",
              description=f"UD v2.5 POS train ({_language}), XTREME preprocessing, UPOS tags")

for _language in PANX_LANGUAGES:
    _register(name=f"panx.{_language}", language=_language, family=NER, files=(f"panx/train-{_language}.tsv",),
              labels=PANX_TAGS, read_one=partial(read_tagged_conll, tags=PANX_TAGS), lineage="panx/train",
              description=f"PAN-X / WikiANN NER train ({_language}), XTREME split, IOB2 PER/ORG/LOC")
