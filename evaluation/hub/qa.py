"""Hub bindings of the extractive QA files: SQuAD 2.0/1.1 train, MLQA dev, XQuAD, TyDiQA-GoldP.

The hub keeps one flat row per question; the local files are SQuAD JSON. ``to_local``
regroups the rows into paragraphs and articles in each file family's key order and writes
``json.dumps(..., ensure_ascii=False)``. LAReQA (XQuAD-R) and Mewsli-X have no usable hub copy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import partial
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable

from datasets import Features, Sequence, Value

from evaluation.hub.registry import no_hub_copy, register
from evaluation.readers import read_json
from evaluation.splits import MLQA_LANGUAGES, mlqa_file

_STRING = Value("string")
# rajpurkar/squad_v2 and google-research-datasets/tydiqa secondary_task (same columns).
SQUAD_FEATURES = Features({"id": _STRING, "title": _STRING, "context": _STRING, "question": _STRING,
                           "answers": Sequence({"text": _STRING, "answer_start": Value("int32")})})
XQUAD_FEATURES = Features({"id": _STRING, "context": _STRING, "question": _STRING,
                           "answers": Sequence({"text": _STRING, "answer_start": Value("int32")})})
MLQA_FEATURES = Features({"context": _STRING, "question": _STRING,
                          "answers": Sequence({"answer_start": Value("int32"), "text": _STRING}),
                          "id": _STRING})


@dataclass(frozen=True)
class Layout:
    """One file family's JSON shape. json.dumps keeps insertion order, so the key order of
    each level is part of the bytes."""
    version: Any
    top: tuple[str, ...]
    article: tuple[str, ...]  # without "title" where the hub has no title: one article per paragraph
    paragraph: tuple[str, ...]
    qa: tuple[str, ...]
    answer: tuple[str, ...]
    paragraph_of: Callable[[dict], Any] = itemgetter("context")  # consecutive rows sharing it: one paragraph
    local_id: Callable[[str], str] = str


SQUAD_V2 = Layout("v2.0", ("version", "data"), ("title", "paragraphs"), ("qas", "context"),
                  ("question", "id", "answers", "is_impossible"), ("text", "answer_start"))
SQUAD_V11 = Layout("1.1", ("version", "data"), ("title", "paragraphs"), ("context", "qas"),
                   ("answers", "question", "id"), ("text", "answer_start"))
MLQA = Layout(1.0, ("version", "data"), ("paragraphs",), ("context", "qas"),
              ("question", "answers", "id"), ("text", "answer_start"))
XQUAD = Layout("1.1", ("data", "version"), ("paragraphs",), ("context", "qas"),
               ("answers", "id", "question"), ("answer_start", "text"))
# xquad.ro.json, added to XQuAD after the other ten languages, lists qas before context.
XQUAD_RO = replace(XQUAD, paragraph=("qas", "context"))
# XTREME's utils_preprocess.py (tydiqa_preprocess) writes one article per question and keeps
# only the last "-" field of TyDi's id ("english-<document>-12" -> "12").
TYDIQA = Layout("TyDiQA-GoldP-1.1-for-SQuAD-1.1", ("data", "version"), ("paragraphs",), ("context", "qas"),
                ("answers", "question", "id"), ("answer_start", "text"),
                paragraph_of=itemgetter("id"), local_id=lambda qid: qid.split("-")[-1])


# --- hub rows -> local JSON -------------------------------------------------------------

def _pick(values: dict, keys: tuple[str, ...]) -> dict:
    return {key: values[key] for key in keys}


def _answers(answers: dict, keys: tuple[str, ...]) -> list[dict]:
    # The hub stores a question's answers as parallel lists; the file as a list of objects.
    return [_pick({"text": text, "answer_start": start}, keys)
            for text, start in zip(answers["text"], answers["answer_start"])]


def _qa(row: dict, layout: Layout) -> dict:
    answers = _answers(row["answers"], layout.answer)
    # squad_v2 marks an unanswerable question by empty answers; the file by is_impossible.
    return _pick({"question": row["question"], "id": layout.local_id(row["id"]), "answers": answers,
                  "is_impossible": not answers}, layout.qa)


def _paragraphs(rows: Iterable[dict], layout: Layout) -> list[dict]:
    paragraphs = []
    for _, group in groupby(rows, key=layout.paragraph_of):
        group = list(group)
        paragraphs.append(_pick({"context": group[0]["context"], "qas": [_qa(row, layout) for row in group]},
                                layout.paragraph))
    return paragraphs


def _articles(rows: Iterable[dict], layout: Layout) -> list[dict]:
    if "title" not in layout.article:
        return [{"paragraphs": [paragraph]} for paragraph in _paragraphs(rows, layout)]
    return [_pick({"title": title, "paragraphs": _paragraphs(group, layout)}, layout.article)
            for title, group in groupby(rows, key=itemgetter("title"))]


def _document(layout: Layout, rows: Iterable[dict]) -> bytes:
    document = _pick({"version": layout.version, "data": _articles(rows, layout)}, layout.top)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _first_articles(split, count: int) -> list[dict]:
    """The rows of the split's first ``count`` titles, the first row of each id only.

    Ids are unique on the hub; the offline fixture repeats SQuAD articles 1-7, since the
    two SQuAD files are cut from the same rows of this one split."""
    titles: list[str] = []
    seen: set[str] = set()
    rows = []
    for row in split:
        if row["title"] not in titles:
            if len(titles) == count:
                break  # the hub keeps a file's articles contiguous: nothing further belongs
            titles.append(row["title"])
        if row["id"] not in seen:
            seen.add(row["id"])
            rows.append(row)
    return rows


def squad_v2_first(split, count: int) -> bytes:
    return _document(SQUAD_V2, _first_articles(split, count))


def squad_v11_from_v2(split, count: int) -> bytes:
    answerable = [row for row in _first_articles(split, count) if row["answers"]["text"]]
    return _document(SQUAD_V11, answerable)


def whole_split(layout: Layout, split) -> bytes:
    return _document(layout, split)


def tydiqa_language(name: str, split) -> bytes:
    # As utils_preprocess.py: a question's language is the first "-" field of its id.
    keep = [index for index, qid in enumerate(split["id"]) if qid.split("-")[0] == name]
    return _document(TYDIQA, split.select(keep))


# --- local JSON -> hub rows (the offline fixture) -----------------------------------------

def hub_rows(features: Features, path: Path, hub_id: Callable[[int, str], str] = lambda _, qid: qid) -> list[dict]:
    """One row per question of a SQuAD JSON file, restricted to the hub's ``features``."""
    rows = []
    for article in read_json(path)["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = qa["answers"]
                row = {"id": hub_id(len(rows), qa["id"]), "title": article.get("title", ""),
                       "context": paragraph["context"], "question": qa["question"],
                       "answers": {"text": [a["text"] for a in answers],
                                   "answer_start": [a["answer_start"] for a in answers]}}
                rows.append({key: row[key] for key in features})
    return rows


def tydiqa_hub_id(name: str, position: int, qid: str) -> str:
    # The local file dropped TyDi's document id; the position stands in for it, so ids stay
    # unique and to_local's language test and last-field cut read them as on the hub.
    return f"{name}-{position}-{qid}"


# --- registrations -----------------------------------------------------------------------

def _card(dataset: str) -> str:
    return f"https://huggingface.co/datasets/{dataset}"


_STRIP_NOTE = ("The loading script this split was converted from strips context, question and answer "
               "text and leaves answer_start as it was; where this file has surrounding whitespace the "
               "hub's text may differ (leading whitespace of a context would shift its spans). Whether "
               "the hub's parquet kept that could not be checked offline.")

# rajpurkar/squad_v2 card: config squad_v2 (the default), split train (130,319 rows), fields
# id, title, context, question, answers{text, answer_start int32}; no is_impossible field.
# Its loader (datasets >= 1.10) keeps the text unstripped.
register(path="squad_v2/train-v2.0.first7articles.json", dataset="rajpurkar/squad_v2", config="squad_v2",
         split="train", card=_card("rajpurkar/squad_v2"), features=SQUAD_FEATURES,
         to_local=partial(squad_v2_first, count=7), from_local=partial(hub_rows, SQUAD_FEATURES),
         exact=False,
         note="The hub has no is_impossible or plausible_answers: an unanswerable question is a row with "
              "empty answers, written back with is_impossible true and without its plausible_answers "
              "(348 questions here). read_squad drops unanswerable questions, so its examples agree. "
              "Subsampling (first 7 articles of train) is reproduced.")

# Same card as above. The file is cut from SQuAD 2.0 train (first 8 articles, answerable
# questions; MANIFEST.md), so it comes from that split too: rajpurkar/squad (1.1) train keeps
# the ~0.9% of questions 2.0 dropped and orders its articles differently (it opens with
# University_of_Notre_Dame, seen in a copy of the data, not on the card).
register(path="squad_v1.1/train-v1.1-style.from-v2.0-answerable.first8articles.json",
         dataset="rajpurkar/squad_v2", config="squad_v2", split="train", card=_card("rajpurkar/squad_v2"),
         features=SQUAD_FEATURES, to_local=partial(squad_v11_from_v2, count=8),
         from_local=partial(hub_rows, SQUAD_FEATURES),
         note="Derived file: the answerable questions of the first 8 articles of SQuAD 2.0 train, "
              "rewritten in SQuAD 1.1 form (version 1.1, no is_impossible); reproduced from that split.")

# facebook/mlqa card: configs mlqa.<context>.<question>, split validation = MLQA dev (en 1148,
# ar 517, de 512, es 500, hi 507, vi 511, zh 504, as here), fields context, question,
# answers{answer_start int32, text}, id. No title (google/xtreme MLQA.*.* has one, but its
# loader strips the question text, which read_squad keeps).
for _language in MLQA_LANGUAGES:
    register(path=mlqa_file(_language), dataset="facebook/mlqa", config=f"mlqa.{_language}.{_language}",
             split="validation", card=_card("facebook/mlqa"), features=MLQA_FEATURES,
             to_local=partial(whole_split, MLQA), from_local=partial(hub_rows, MLQA_FEATURES),
             exact=False,
             note="The hub has no title: the written file puts each paragraph in an untitled article "
                  "(the local file groups them under titled articles). Ids, questions, contexts and "
                  "answers are kept, so read_squad and the MLQA halves (evaluation.splits) agree.")

# google/xquad card: configs xquad.<lang> (ar de el en es hi ro ru th tr vi zh), split validation
# (1,190 rows each), fields id, context, question, answers{text, answer_start int32}; no title.
# google/xtreme XQuAD.* has the same fields but no Romanian.
for _language in ("ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh"):
    register(path=f"xquad/xquad.{_language}.json", dataset="google/xquad", config=f"xquad.{_language}",
             split="validation", card=_card("google/xquad"), features=XQUAD_FEATURES,
             to_local=partial(whole_split, XQUAD_RO if _language == "ro" else XQUAD),
             from_local=partial(hub_rows, XQUAD_FEATURES),
             exact=False,
             note="The hub has no title: the written file puts each of the 240 paragraphs in an untitled "
                  "article (the local file has 48 titled articles); ids, questions, contexts and answers "
                  "are kept, so read_squad agrees. " + _STRIP_NOTE)

# google-research-datasets/tydiqa card: config secondary_task (GoldP), split train (49,881 rows,
# every language), fields id ("arabic-2387335860751143628-1"), title, context, question,
# answers{text, answer_start int32}. The local files are XTREME's per-language cut of it.
for _language, _name in (("en", "english"), ("ko", "korean"), ("sw", "swahili")):
    register(path=f"tydiqa/tydiqa.goldp.{_language}.train.json", dataset="google-research-datasets/tydiqa",
             config="secondary_task", split="train", card=_card("google-research-datasets/tydiqa"),
             features=SQUAD_FEATURES, to_local=partial(tydiqa_language, _name),
             from_local=partial(hub_rows, SQUAD_FEATURES, hub_id=partial(tydiqa_hub_id, _name)),
             note=f"Written as XTREME's utils_preprocess.py does: the {_name} rows, one article each, id cut "
                  "to its last '-' field, title dropped. The local file lacks TyDi's document id and "
                  "title, so the fixture's rows carry a position and an empty title there. " + _STRIP_NOTE)

no_hub_copy("lareqa", "The LAReQA target needs each paragraph's sentence_breaks (the candidate sentences); "
                      "google-research-datasets/xquad_r, the hub copy of XQuAD-R, has only id, context, "
                      "question and answers per its card.")
no_hub_copy("mewslix", "No official hub copy. The one found, izhx/mewsli-x (a community upload), has "
                       "per-language mention configs (split validation/test) where the target reads one "
                       "mentions file of all languages, and its candidate entity set is a tar.gz outside any "
                       "config; there is no local copy to check a binding against.")
