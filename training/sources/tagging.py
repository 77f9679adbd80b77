"""Token tagging sources: UD POS (UPOS tags) and PAN-X / WikiANN NER train files.

Files are XTREME's token<TAB>tag layout, read by ``evaluation.readers.read_conll``.
Each source declares its full tag set, sorted, so a tag id means the same thing in
every language even when a file's sample lacks a tag (zh has no INTJ, for example).
"""
from __future__ import annotations

from functools import partial

from evaluation.examples import Format
from evaluation.readers import read_tagged_conll
from evaluation.targets.panx import PANX_LABELS
from evaluation.targets.udpos import UPOS_TAGS as UDPOS_TARGET_TAGS
from training.sources.registry import Source, register_source
from training.sources.records import read_files

# Tag sets are declared once, by the targets that evaluate them.
UPOS_TAGS = UDPOS_TARGET_TAGS
PANX_TAGS = tuple(sorted(PANX_LABELS))  # sorted, like every source tag set
UDPOS_LANGUAGES = ("en", "ar", "zh", "tr", "ja")  # the UD train files available
PANX_LANGUAGES = ("en", "de", "es", "fr", "ar", "hi", "ru", "zh")  # the PAN-X train files available


# family -> (languages, file pattern, tags, lineage, hub id, description pattern)
TAGGING_FAMILIES = {
    "udpos": (UDPOS_LANGUAGES, "udpos/train-{}.tsv", UPOS_TAGS, "udpos/train",
              "universal-dependencies/universal_dependencies",
              "UD v2.5 POS train ({}), XTREME preprocessing, UPOS tags"),
    "panx": (PANX_LANGUAGES, "panx/train-{}.tsv", PANX_TAGS, "panx/train", "unimelb-nlp/wikiann",
             "PAN-X / WikiANN NER train ({}), XTREME split, IOB2 PER/ORG/LOC"),
}

for _family, (_languages, _pattern, _tags, _lineage, _hub, _description) in TAGGING_FAMILIES.items():
    for _language in _languages:
        _files = (_pattern.format(_language),)
        register_source(
            Source(
                name=f"{_family}.{_language}",
                language=_language,
                format=Format.TAGGING,
                files=_files,
                read=partial(read_files, files=_files, read_one=partial(read_tagged_conll, tags=_tags)),
                lineage=_lineage,
                labels=_tags,
                description=_description.format(_language),
                hub_dataset=_hub,
            )
        )
