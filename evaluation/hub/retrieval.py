"""Hub bindings of the Tatoeba folder: ``google/xtreme`` tatoeba.<lang>, one split of aligned
(sentence, English translation) rows per language, written back as LASER's two line-aligned
plain-text files. Both files of a pair read the same split: the rows come once, from the
source-language file's ``from_local``, and each ``to_local`` writes its own column."""
from __future__ import annotations

import io
from functools import partial
from pathlib import Path

from datasets import Features, Value

from evaluation.errors import XmixError
from evaluation.hub.registry import register
from evaluation.readers import read_text
from evaluation.targets.tatoeba import FILE_PATTERNS, ISO_639_1_TO_DATA

XTREME = "google/xtreme"
XTREME_CARD = f"https://huggingface.co/datasets/{XTREME}"
HUB_SPLIT = "validation"  # the card's only Tatoeba split; XTREME evaluates it as test

TATOEBA_FEATURES = Features({"source_sentence": Value("string"), "target_sentence": Value("string"),
                             "source_lang": Value("string"), "target_lang": Value("string")})

# The 36 XTREME languages, by the data's ISO 639-3 code (tatoeba.<code>-eng.*).
LANGUAGES = tuple(sorted(ISO_639_1_TO_DATA.values()))
SOURCE_PATTERN, ENGLISH_PATTERN = FILE_PATTERNS


def file_lines(path: Path) -> list[str]:
    """The lines as the hub's loading script read them (``for row in open(path)``): split by
    universal newlines, each keeping its newline."""
    return list(io.StringIO(read_text(path), newline=None))


def _pair_from_local(path: Path, *, language: str) -> list[dict]:
    english_path = path.with_name(Path(ENGLISH_PATTERN.format(lang=language)).name)
    sources, english = file_lines(path), file_lines(english_path)
    if len(sources) != len(english):
        raise XmixError(f"{path} has {len(sources)} lines but {english_path} has {len(english)}: not a pair")
    # source_lang as the script derived it from the source file's suffix; English is the target.
    return [{"source_sentence": s, "target_sentence": e, "source_lang": language, "target_lang": "eng"}
            for s, e in zip(sources, english)]


def _english_from_local(path: Path) -> list[dict]:
    return []  # its sentences are the target_sentence of the rows its source file gave


def _line(sentence: str) -> str:
    # The loading script kept each line's newline; a copy of the split that strips it gets one back.
    return sentence if sentence.endswith("\n") else sentence + "\n"


def _column_to_local(ds, *, column: str) -> bytes:
    return "".join(_line(sentence) for sentence in ds[column]).encode("utf-8")


NOTE = ("the whole LASER pair file; the card's only split is validation (row counts checked on the card match "
        "the pair files: deu 1000, tam 307, tel 234). The loading script seen (xtreme.py) keeps each line's newline "
        "in the sentence; to_local takes sentences with or without it. source_lang / target_lang are not written: "
        "the card's num_bytes (tatoeba.deu 296567 for 1000 rows) leave ~170 bytes a row that bare codes do not "
        "explain, so the hub's source_lang is likely not just the code.")

for _language in LANGUAGES:
    # google/xtreme card (README dataset_info and the tatoeba.<lang> commits, e.g. 21dd1d9 "Add tatoeba.deu data
    # files", 7470af2 tel, a137905 tam): configs tatoeba.<ISO 639-3>, one split validation (deu 1000, tam 307,
    # tel 234 rows, as the local pair files); fields source_sentence, target_sentence, source_lang, target_lang,
    # all strings (the field list as in the repo's xtreme.py).
    _common = dict(dataset=XTREME, config=f"tatoeba.{_language}", split=HUB_SPLIT, card=XTREME_CARD,
                   features=TATOEBA_FEATURES, exact=True)
    register(path=SOURCE_PATTERN.format(lang=_language), **_common,
             to_local=partial(_column_to_local, column="source_sentence"),
             from_local=partial(_pair_from_local, language=_language),
             note=f"{_language} side (source_sentence): {NOTE}")
    register(path=ENGLISH_PATTERN.format(lang=_language), **_common,
             to_local=partial(_column_to_local, column="target_sentence"), from_local=_english_from_local,
             note=f"English side (target_sentence): {NOTE} from_local gives no rows: the pair's rows come from "
                  f"the {_language} file, registered before it.")
