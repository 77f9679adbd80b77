"""Token tagging sources: UD POS (UPOS tags) and PAN-X / WikiANN NER train files.

Files are XTREME's token<TAB>tag layout, read by ``evaluation.readers.read_conll``.
Each source declares its full tag set, sorted, so a tag id means the same thing in
every language even when a file's sample lacks a tag (zh has no INTJ, for example).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import Format, TagExample
from evaluation.readers import read_conll
from training.sources.registry import Source, register_source
from training.sources.records import read_files

# The 17 Universal Dependencies v2 UPOS tags (universaldependencies.org/u/pos/).
UPOS_TAGS = tuple(sorted((
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)))
# WikiANN's IOB2 tags for persons, organisations and locations.
PANX_TAGS = tuple(sorted(("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")))

UDPOS_LANGUAGES = ("en", "ar", "zh", "tr", "ja")  # the UD train files available
PANX_LANGUAGES = ("en", "de", "es", "fr", "ar", "hi", "ru", "zh")  # the PAN-X train files available


def read_tagged(path: Path, tags: tuple[str, ...]) -> list[TagExample]:
    """``read_conll`` plus a check that every tag is declared; the error names its line."""
    sentences = read_conll(path)
    allowed = frozenset(tags)
    if all(tag in allowed for sentence in sentences for tag in sentence.tags):
        return sentences
    # Only on failure: rescan the file to point at the first offending line.
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("\t")
            if line.strip() and fields[-1] not in allowed:
                raise XmixError(
                    f"{path}:{line_number}: unknown tag {fields[-1]!r} (expected one of {', '.join(tags)})"
                )
    raise XmixError(f"{path}: a tag outside {', '.join(tags)}")  # unreachable unless read_conll changes


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
                read=partial(read_files, files=_files, read_one=partial(read_tagged, tags=_tags)),
                lineage=_lineage,
                labels=_tags,
                description=_description.format(_language),
                hub_dataset=_hub,
            )
        )
