"""Hub bindings of the token-tagging folders: PAN-X (``google/xtreme`` PAN-X.<lang>) and UD-POS
(``google/xtreme`` udpos.<Language>), written back in XTREME's token<TAB>tag layout
(``evaluation.readers.read_conll``). Each local file is the first N sentences of one hub split
(../shared/data/MANIFEST.md), so ``to_local`` keeps those N and tags cross by name, not id."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from datasets import ClassLabel, Features, List, Value

from evaluation.hub.registry import register
from evaluation.readers import read_tagged_conll

XTREME = "google/xtreme"
XTREME_CARD = f"https://huggingface.co/datasets/{XTREME}"

# The local file names' split -> the card's split name.
HUB_SPLIT = {"train": "train", "dev": "validation", "test": "test"}

# The card's ClassLabel orders, spelled out: a hub schema must not move if the project
# reorders its own label tuples (evaluation.targets.panx / udpos).
PANX_HUB_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
UPOS_HUB_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
                 "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")

PANX_FEATURES = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=list(PANX_HUB_TAGS))),
                          "langs": List(Value("string"))})
UDPOS_FEATURES = Features({"tokens": List(Value("string")), "pos_tags": List(ClassLabel(names=list(UPOS_HUB_TAGS)))})


def _conll(sentences: Iterable[tuple[list[str], list[str]]]) -> bytes:
    """XTREME's layout as the local files hold it: token<TAB>tag lines, a blank line after
    every sentence (the last one too)."""
    return "".join("".join(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags)) + "\n"
                   for tokens, tags in sentences).encode("utf-8")


def _tag_name(ds, column: str) -> Callable[[object], str]:
    """Class id -> name; a split whose tags arrive as strings passes them through."""
    feature = ds.features[column].feature
    return feature.int2str if isinstance(feature, ClassLabel) else str


def _tagged_to_local(ds, *, column: str, first: int, clean: Callable[[str], str] = lambda token: token) -> bytes:
    name = _tag_name(ds, column)
    head = ds.select(range(min(first, len(ds))))
    return _conll(([clean(t) for t in row["tokens"]], [name(tag) for tag in row[column]]) for row in head)


# --- PAN-X ---------------------------------------------------------------------------------------

# The local files present, per split (../shared/data/panx). Test files are left out: XTREME
# stripped their labels, no source or target reads them, and the hub's rows carry labels the
# file cannot give back.
PANX_LANGUAGES = {
    "train": ("ar", "de", "en", "es", "fr", "hi", "ru", "zh"),
    "dev": ("ar", "bg", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "id", "ja", "ko", "ru",
            "sw", "tr", "ur", "vi", "zh"),
}


def panx_first(split: str, language: str) -> int:
    """MANIFEST.md: English keeps 5000 train / 1000 dev sentences, the others 2000 / 500."""
    return {"train": 5000, "dev": 1000}[split] if language == "en" else {"train": 2000, "dev": 500}[split]


def _panx_from_local(path: Path, *, language: str) -> list[dict]:
    # The hub's langs is each token's "xx:" prefix in WikiANN's raw files: the file's language.
    return [{"tokens": list(s.tokens), "ner_tags": list(s.tags), "langs": [language] * len(s.tokens)}
            for s in read_tagged_conll(path, PANX_HUB_TAGS)]


for _split, _languages in PANX_LANGUAGES.items():
    for _language in _languages:
        _first = panx_first(_split, _language)
        # google/xtreme card (README dataset_info and the PAN-X.<lang> commits, e.g. 0e87cee "Add PAN-X.de data
        # files"): configs PAN-X.<ISO 639-1>, splits train / validation / test (de: 20000 / 10000 / 10000); fields
        # tokens, ner_tags ClassLabel O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC (order as in the repo's
        # xtreme.py, commit 6d98a07), langs.
        register(path=f"panx/{_split}-{_language}.tsv", dataset=XTREME, config=f"PAN-X.{_language}",
                 split=HUB_SPLIT[_split], card=XTREME_CARD, features=PANX_FEATURES,
                 to_local=partial(_tagged_to_local, column="ner_tags", first=_first),
                 from_local=partial(_panx_from_local, language=_language), exact=True,
                 note=f"local: the first {_first} sentences of XTREME's {_split}-{_language}.tsv, which XTREME wrote "
                      f"from the same WikiANN (Rahimi et al.) files as the hub's {HUB_SPLIT[_split]} split, prefixes "
                      f"stripped; to_local keeps the split's first {_first}. Sentence order against the hub's parquet "
                      f"was not checked (offline).")


# --- UD-POS --------------------------------------------------------------------------------------

# The card's config names are English language names (udpos.German); the local files ISO 639-1.
UDPOS_HUB_LANGUAGE = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "kk": "Kazakh", "ko": "Korean", "mr": "Marathi", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian",
    "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
}

# The local files present, per split (../shared/data/udpos; no German test, see MANIFEST.md).
UDPOS_LANGUAGES = {
    "train": ("ar", "en", "ja", "tr", "zh"),
    "dev": ("en",),
    "test": ("af", "ar", "bg", "el", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "hu", "id", "it", "ja",
             "kk", "ko", "mr", "nl", "pt", "ru", "ta", "te", "th", "tl", "tr", "ur", "vi", "yo", "zh"),
}

# Split sizes on the card that differ from the full XTREME file the local one was cut from
# (MANIFEST.md's "first N of M"): the hub's UD conversion is not XTREME's.
UDPOS_CARD_SIZE_DIFFERS = {
    ("en", "train"): (21253, 21787), ("et", "test"): (3760, 4127), ("ja", "test"): (2372, 2365),
    ("pt", "test"): (2681, 2680), ("ru", "test"): (11336, 8973), ("ta", "test"): (120, 654),
    ("tl", "test"): (55, 222), ("tr", "train"): (3664, 11467), ("tr", "test"): (4785, 5842),
}

UDPOS_NOTE = ("the hub's split is datasets' own conversion of UD v2.5, not XTREME's: it drops multi-word-token "
              "lines and keeps their syntactic words where XTREME's files keep the fused form (French 'du', not "
              "'de le'), concatenates the treebanks in the archive's order and filters sentences differently, so "
              "its first N sentences need not be the local ones. to_local applies XTREME's token cleaning (spaces "
              "and ZWNJ removed) and keeps the split's first N.")


def udpos_first(split: str, language: str) -> int:
    """MANIFEST.md: train 5000 (en) / 2000, dev 1000, test 1000 (smaller test files are whole)."""
    return 5000 if (split, language) == ("train", "en") else {"train": 2000, "dev": 1000, "test": 1000}[split]


def xtreme_token(token: str) -> str:
    """XTREME's utils_preprocess.remove_empty_space: no spaces or ZWNJ inside a UD token."""
    return token.replace("\u200c", "").replace(" ", "")


def _udpos_from_local(path: Path) -> list[dict]:
    return [{"tokens": list(s.tokens), "pos_tags": list(s.tags)} for s in read_tagged_conll(path, UPOS_HUB_TAGS)]


def _udpos_note(split: str, language: str) -> str:
    first = udpos_first(split, language)
    sizes = UDPOS_CARD_SIZE_DIFFERS.get((language, split))
    size = (f" The card's {HUB_SPLIT[split]} has {sizes[0]} sentences, the XTREME file {sizes[1]}." if sizes else "")
    return (f"local: the first {first} sentences of XTREME's {split}-{language}.tsv (all of them, when fewer); "
            f"{UDPOS_NOTE}{size}")


for _split, _languages in UDPOS_LANGUAGES.items():
    for _language in _languages:
        # google/xtreme card (README dataset_info and the udpos.<Language> commits, e.g. 823902d "Add
        # udpos.English data files", 7ac3854 Kazakh, 2c28c0d Tagalog): configs udpos.<English name>, splits train /
        # validation / test (Kazakh train / test; Tagalog, Thai, Yoruba test only); fields tokens, pos_tags
        # ClassLabel of the 17 UPOS tags ADJ .. X in the order above.
        register(path=f"udpos/{_split}-{_language}.tsv", dataset=XTREME,
                 config=f"udpos.{UDPOS_HUB_LANGUAGE[_language]}", split=HUB_SPLIT[_split], card=XTREME_CARD,
                 features=UDPOS_FEATURES,
                 to_local=partial(_tagged_to_local, column="pos_tags", first=udpos_first(_split, _language),
                                  clean=xtreme_token),
                 from_local=_udpos_from_local, exact=True, note=_udpos_note(_split, _language))
