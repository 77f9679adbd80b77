"""Hub bindings of the sentence(-pair) classification folders: NLI (MNLI, SNLI, ANLI, KorNLI,
OCNLI, XNLI), paraphrase (QQP, PAWS-X) and sentiment (SST-2). Each ``to_local`` writes the
file in the layout its reader expects; labels cross by name, not id, because the hubs do not
share one label order (CLUE's OCNLI puts neutral first)."""
from __future__ import annotations

import csv
import io
import json
import random
from functools import partial
from pathlib import Path
from typing import Iterable, Sequence

from datasets import ClassLabel, Features, Value

from evaluation.errors import XmixError
from evaluation.hub.registry import register
from evaluation.readers import read_json, read_jsonl, read_text, read_tsv, text_lines
from evaluation.targets.xnli import NLI_LABELS


def _card(dataset: str) -> str:
    return f"https://huggingface.co/datasets/{dataset}"


def _hub_id(names: Sequence[str], name: str, where: str) -> int:
    """The hub's class id of a label as the local file spells it."""
    if name not in names:
        raise XmixError(f"{where}: label {name!r} is not one of {', '.join(names)}")
    return names.index(name)


def _first(ds, limit: int, keep=lambda row: True) -> list[dict]:
    """The first ``limit`` rows ``keep`` accepts, read in order and no further."""
    rows = []
    for row in ds:
        if keep(row):
            rows.append(row)
            if len(rows) == limit:
                break
    return rows


def _has_gold(row: dict) -> bool:
    # The hubs write -1 for a pair without a gold label (SNLI's unresolved pairs, PAWS-X's
    # missing ones); the local files hold none, and names[-1] would silently mislabel it.
    return row["label"] >= 0


def _jsonl(records: Iterable[dict], **dump) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, **dump) + "\n" for r in records).encode("utf-8")


def _tsv(rows: Iterable[Sequence[str]]) -> bytes:
    """XTREME's writer (``csv.writer``, tab-separated): quotes a field holding a double quote."""
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _read_tsv_quoted(path: Path, columns: int) -> list[list[str]]:
    """The inverse of ``_tsv``: the fields as they were before XTREME's writer quoted them."""
    rows = [r for r in csv.reader(io.StringIO(read_text(path), newline=""), delimiter="\t") if r]
    for line, row in enumerate(rows, start=1):
        if len(row) != columns:
            raise XmixError(f"{path}: row {line}: expected {columns} tab-separated fields, got {len(row)}")
    return rows


# --- PowerfulPromptFT's keyed JSON (MNLI, SNLI, QQP train samples) -----------------------------

# The files keep the first N records of the source repo's random 9k sample of train; the sample's
# row ids were not kept, so the hub can only give the first N of its own train split.
KEYED_FIRST = 4000


def _keyed_to_local(ds, *, fields: tuple[str, str], labels: Sequence[str]) -> bytes:
    first, second = fields
    document = {str(i): {"text_a": row[first], "text_b": row[second], "label": labels[row["label"]]}
                for i, row in enumerate(_first(ds, KEYED_FIRST, _has_gold))}
    # The file's own serialisation: indent 4, UTF-8 as is, no final newline.
    return json.dumps(document, indent=4, ensure_ascii=False).encode("utf-8")


def _keyed_from_local(path: Path, *, fields: tuple[str, str], labels: Sequence[str], idx: bool) -> list[dict]:
    document = read_json(path)
    if not isinstance(document, dict):
        raise XmixError(f"{path}: expected a JSON object of records keyed by index")
    first, second = fields
    rows = []
    for position, (key, record) in enumerate(document.items()):
        row = {first: record["text_a"], second: record["text_b"],
               "label": _hub_id(labels, record["label"], f"{path} record {key!r}")}
        if idx:
            row["idx"] = position  # GLUE's idx of a sampled row is unknown: its place in the file
        rows.append(row)
    return rows


def _keyed(path: str, dataset: str, config: str | None, features: Features, fields: tuple[str, str],
           labels: Sequence[str], what: str) -> None:
    register(path=path, dataset=dataset, config=config, split="train", card=_card(dataset), features=features,
             to_local=partial(_keyed_to_local, fields=fields, labels=labels),
             from_local=partial(_keyed_from_local, fields=fields, labels=labels, idx="idx" in features),
             exact=True,
             note=f"local: first {KEYED_FIRST} of PowerfulPromptFT's random 9k sample of {what} train (row ids "
                  f"not kept); from the hub: the first {KEYED_FIRST} gold-labelled rows of train, other examples."
                  + (" from_local's idx is the row's place in the file, not GLUE's idx." if "idx" in features else ""))


GLUE_NLI = Features({"premise": Value("string"), "hypothesis": Value("string"),
                     "label": ClassLabel(names=list(NLI_LABELS)), "idx": Value("int32")})
# nyu-mll/glue card: config mnli, splits train / validation_matched / ... and idx int32 (README dataset_info, commit
# 4c50f6d "Add mnli data files"); premise, hypothesis, label (train-eval-index); label names entailment, neutral,
# contradiction as in the card's NLI configs (ax; the mnli block itself was seen only in a copy, tmnam20/ViGLUE).
_keyed("mnli/train.first4000.json", "nyu-mll/glue", "mnli", GLUE_NLI, ("premise", "hypothesis"), NLI_LABELS, "MNLI")

SNLI = Features({"premise": Value("string"), "hypothesis": Value("string"),
                 "label": ClassLabel(names=list(NLI_LABELS))})
# stanfordnlp/snli card (README dataset_info): config plain_text, splits train/validation/test; fields premise,
# hypothesis, label (entailment, neutral, contradiction); rows without a gold label hold -1 (skipped here).
_keyed("snli/train.first4000.json", "stanfordnlp/snli", "plain_text", SNLI, ("premise", "hypothesis"), NLI_LABELS,
       "SNLI")

# The local file writes QQP's class ids as strings, in the hub's order.
QQP_LOCAL_LABELS = ("0", "1")
GLUE_QQP = Features({"question1": Value("string"), "question2": Value("string"),
                     "label": ClassLabel(names=["not_duplicate", "duplicate"]), "idx": Value("int32")})
# nyu-mll/glue card: config qqp, split train (363846; commit 169a67d "Add qqp data files"); question1, question2,
# label (train-eval-index); label names not_duplicate, duplicate and idx int32 seen in copies of the block.
_keyed("qqp/train.first4000.json", "nyu-mll/glue", "qqp", GLUE_QQP, ("question1", "question2"), QQP_LOCAL_LABELS,
       "QQP")


# --- ANLI dev rounds ------------------------------------------------------------------------------

ANLI_LETTERS = ("e", "n", "c")  # the local files' spelling of entailment, neutral, contradiction
ANLI = Features({"uid": Value("string"), "premise": Value("string"), "hypothesis": Value("string"),
                 "label": ClassLabel(names=list(NLI_LABELS)), "reason": Value("string")})


def _anli_to_local(ds) -> bytes:
    return _jsonl({"uid": r["uid"], "premise": r["premise"], "hypothesis": r["hypothesis"],
                   "label": ANLI_LETTERS[r["label"]], "reason": r["reason"]} for r in ds if _has_gold(r))


def _anli_from_local(path: Path) -> list[dict]:
    return [{"uid": r["uid"], "premise": r["premise"], "hypothesis": r["hypothesis"],
             "label": _hub_id(ANLI_LETTERS, r["label"], f"{path}:{line}"), "reason": r["reason"]}
            for line, r in read_jsonl(path)]


for _round in (1, 2, 3):
    # facebook/anli card (features as on its card / TFDS community catalog): config plain_text, splits
    # dev_r1..3 (1000, 1000, 1200 rows); fields uid, premise, hypothesis, label (entailment, neutral,
    # contradiction), reason.
    register(path=f"anli/dev-R{_round}.jsonl", dataset="facebook/anli", config="plain_text", split=f"dev_r{_round}",
             card=_card("facebook/anli"), features=ANLI, to_local=_anli_to_local, from_local=_anli_from_local,
             exact=False,
             note="local rows come from ANLI's annotated-dev CSV and carry a 'tags' field the hub lacks; written "
                  "from the hub they have none. The hub's split order was not compared with the CSV's."
                  + (" Hub dev_r3 has 1200 rows, the annotated CSV 1198: the hub's file has 2 more." if _round == 3
                     else ""))


# --- KorNLI (Korean XNLI test) --------------------------------------------------------------------

KORNLI_HEADER = "sentence1\tsentence2\tgold_label\n"
KORNLI = Features({"premise": Value("string"), "hypothesis": Value("string"),
                   "label": ClassLabel(names=list(NLI_LABELS))})


def _kornli_to_local(ds) -> bytes:
    names = ds.features["label"].names
    body = "".join(f"{r['premise']}\t{r['hypothesis']}\t{names[r['label']]}\n" for r in ds if _has_gold(r))
    return (KORNLI_HEADER + body).encode("utf-8")


def _kornli_from_local(path: Path) -> list[dict]:
    """As the hub's loader read KorNLUDatasets' file: header skipped, each line stripped and
    split at tabs, lines without three fields dropped."""
    rows = []
    for line, text in enumerate(text_lines(read_text(path))[1:], start=2):
        fields = text.strip().split("\t")
        if len(fields) == 3:
            premise, hypothesis, label = fields
            rows.append({"premise": premise, "hypothesis": hypothesis,
                         "label": _hub_id(NLI_LABELS, label, f"{path}:{line}")})
    return rows


# kakaobrain/kor_nli card (README dataset_info, commit 17289f0 "Add 'xnli' config data files"): config xnli,
# splits validation (2490) / test (5010); fields premise, hypothesis, label (entailment, neutral, contradiction).
register(path="kornli/xnli.test.ko.tsv", dataset="kakaobrain/kor_nli", config="xnli", split="test",
         card=_card("kakaobrain/kor_nli"), features=KORNLI, to_local=_kornli_to_local, from_local=_kornli_from_local,
         exact=True, note="the full file (5010 rows); its header is written back as sentence1, sentence2, gold_label.")


# --- OCNLI (CLUE) ---------------------------------------------------------------------------------

# CLUE's loader orders OCNLI's classes neutral, entailment, contradiction: not XNLI's order.
OCNLI_NAMES = ("neutral", "entailment", "contradiction")
OCNLI_NO_GOLD = "-"
OCNLI_FIRST = 3000
OCNLI = Features({"sentence1": Value("string"), "sentence2": Value("string"),
                  "label": ClassLabel(names=list(OCNLI_NAMES)), "idx": Value("int32")})


def _ocnli_to_local(ds) -> bytes:
    return _jsonl(({"sentence1": r["sentence1"], "sentence2": r["sentence2"], "label": OCNLI_NAMES[r["label"]]}
                   for r in _first(ds, OCNLI_FIRST, _has_gold)), separators=(",", ":"))


def _ocnli_from_local(path: Path) -> list[dict]:
    """CLUE's loader drops the pairs without a majority label ("-") but numbers idx by line,
    counting them; the reader drops them too."""
    return [{"sentence1": r["sentence1"], "sentence2": r["sentence2"],
             "label": _hub_id(OCNLI_NAMES, r["label"], f"{path}:{line}"), "idx": line - 1}
            for line, r in read_jsonl(path) if r["label"] != OCNLI_NO_GOLD]


# clue/clue card and its loader clue.py: config ocnli, splits train / validation / test; fields sentence1,
# sentence2, label (neutral, entailment, contradiction), idx int32; label "-" rows dropped. Not confirmed on a
# card: that the hub's train is OCNLI's 50k train (the 3k low-resource split is not a hub split at all).
register(path="ocnli/train.3k.jsonl", dataset="clue/clue", config="ocnli", split="train", card=_card("clue/clue"),
         features=OCNLI, to_local=_ocnli_to_local, from_local=_ocnli_from_local, exact=False,
         note="local: OCNLI's official 3k low-resource train split, with level, label0-4, genre, prem_id and id "
              "fields the hub lacks and 6 unlabelled ('-') pairs the hub drops. The 3k split is not on the hub: "
              f"written from it, the file holds the first {OCNLI_FIRST} labelled rows of CLUE's full train, other "
              "examples. from_local's idx is the row's line in the local file.")


# --- XNLI (XTREME layout) -------------------------------------------------------------------------

XNLI_LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
XNLI_SPLITS = {"dev": ("validation", 2490), "test": ("test", 5010)}  # local split -> hub split, rows per language
XNLI_KEPT, XNLI_SEED = 1000, 13
XNLI = Features({"language": Value("string"), "sentence1": Value("string"), "sentence2": Value("string"),
                 "gold_label": Value("string")})


def _xnli_kept(total: int) -> list[int]:
    """MANIFEST.md: random.Random(13).sample(range(total), 1000), sorted; the same lines in
    every language (the saved xnli/{dev,test}_indices.txt)."""
    return sorted(random.Random(XNLI_SEED).sample(range(total), XNLI_KEPT))


def _xnli_rows(ds, language: str, total: int) -> list[int]:
    """This language's rows of the split, subsampled as the local file was. A split that
    already holds only the kept rows (the offline mirror built from the local files) is
    taken as it is."""
    rows = [i for i, code in enumerate(ds["language"]) if code == language]
    if len(rows) == total:
        return [rows[i] for i in _xnli_kept(total)]
    if len(rows) == XNLI_KEPT:
        return rows
    raise ValueError(f"{len(rows)} rows of language {language!r}; expected {total} (XNLI) or {XNLI_KEPT} "
                     f"(already subsampled)")


def _xnli_to_local(ds, *, language: str, total: int) -> bytes:
    # XTREME's preprocessing: fields stripped, MNLI's old "contradictory" renamed.
    return _tsv([r["sentence1"].strip(), r["sentence2"].strip(),
                 "contradiction" if r["gold_label"] == "contradictory" else r["gold_label"]]
                for r in ds.select(_xnli_rows(ds, language, total)))


def _xnli_from_local(path: Path, *, language: str) -> list[dict]:
    return [{"language": language, "sentence1": first, "sentence2": second, "gold_label": label}
            for first, second, label in _read_tsv_quoted(path, 3)]


for _local, (_hub, _total) in XNLI_SPLITS.items():
    for _language in XNLI_LANGUAGES:
        # google/xtreme card (commit 49268c7 "Add XNLI data files": test 75150 = 15 x 5010, validation 37350 =
        # 15 x 2490) and its loader xtreme.py: config XNLI, one split for all languages; fields language,
        # sentence1, sentence2, gold_label, all strings.
        register(path=f"xnli/{_local}-{_language}.tsv", dataset="google/xtreme", config="XNLI", split=_hub,
                 card=_card("google/xtreme"), features=XNLI,
                 to_local=partial(_xnli_to_local, language=_language, total=_total),
                 from_local=partial(_xnli_from_local, language=_language), exact=True,
                 note=f"the same seeded {XNLI_KEPT} of {_total} rows as the local file, in the same order"
                      + (" (local test labels were re-attached from KorNLI by row; the hub's are XNLI's own)."
                         if _local == "test" else "."))


# --- PAWS-X (XTREME layout) -----------------------------------------------------------------------

PAWSX_LANGUAGES = ("en", "de", "es", "fr", "ja", "ko", "zh")
PAWSX = Features({"id": Value("int32"), "sentence1": Value("string"), "sentence2": Value("string"),
                  "label": ClassLabel(names=["0", "1"])})


def _pawsx_to_local(ds) -> bytes:
    names = ds.features["label"].names
    # XTREME's preprocessing: fields stripped, no header, no id.
    return _tsv([r["sentence1"].strip(), r["sentence2"].strip(), names[r["label"]]] for r in ds if _has_gold(r))


def _pawsx_from_local(path: Path) -> list[dict]:
    # XTREME dropped PAWS-X's id column: the row's place stands in for it.
    return [{"id": number, "sentence1": first, "sentence2": second,
             "label": _hub_id(PAWSX["label"].names, label, f"{path} row {number}")}
            for number, (first, second, label) in enumerate(_read_tsv_quoted(path, 3), start=1)]


for _language in PAWSX_LANGUAGES:
    # google-research-datasets/paws-x card (features as on its card / TFDS community catalog) and its loader
    # paws-x.py: configs en de es fr ja ko zh, splits train / validation (dev_2k, 2000) / test; fields id int32,
    # sentence1, sentence2, label ("0", "1"); the loader reads the TSV unquoted (QUOTE_NONE).
    register(path=f"pawsx/dev-{_language}.tsv", dataset="google-research-datasets/paws-x", config=_language,
             split="validation", card=_card("google-research-datasets/paws-x"), features=PAWSX,
             to_local=_pawsx_to_local, from_local=_pawsx_from_local, exact=True,
             note="the full dev_2k split; from_local's id is the row number (XTREME's file has no id column; "
                  "PAWS-X's own dev ids were not checked).")


# --- SST-2 (sentence level) -----------------------------------------------------------------------

SST2_HEADER = "sentence\tlabel\n"
SST2_NAMES = ("negative", "positive")  # the local file's 0 and 1
SST2_FIRST = 4000
SST2 = Features({"text": Value("string"), "label": Value("int64"), "label_text": Value("string")})


def _sst2_to_local(ds) -> bytes:
    # label_text, not label: the name is what the card shows; the id's direction is not on it.
    body = "".join(f"{r['text']}\t{SST2_NAMES.index(r['label_text'])}\n" for r in _first(ds, SST2_FIRST))
    return (SST2_HEADER + body).encode("utf-8")


def _sst2_from_local(path: Path) -> list[dict]:
    rows = []
    for line, (sentence, label) in read_tsv(path, columns=2, header=True):
        name = SST2_NAMES[_hub_id(("0", "1"), label, f"{path}:{line}")]
        rows.append({"text": sentence, "label": SST2_NAMES.index(name), "label_text": name})
    return rows


# SetFit/sst2 (dataset viewer: train 6920 / validation 872 / test 1821; fields text, label int64, label_text as
# in the SetFit--sst2 dataset_infos.json): the sentence-level SST-2 the local file (LM-BFF's 6,920 training
# sentences) was drawn from. nyu-mll/glue sst2 train is phrase-level (67,349 rows): its first rows are phrases.
# Not on a card: that label 1 is "positive" (to_local reads label_text instead).
register(path="sst2/train.first4000.tsv", dataset="SetFit/sst2", config=None, split="train", card=_card("SetFit/sst2"),
         features=SST2, to_local=_sst2_to_local, from_local=_sst2_from_local, exact=True,
         note=f"local: first {SST2_FIRST} of PowerfulPromptFT's 6227-sentence random part of SST-2's 6920 training "
              f"sentences (row ids not kept); from the hub: the first {SST2_FIRST} of those 6920, other examples.")
