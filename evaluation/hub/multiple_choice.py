"""Hub bindings of the multiple-choice data: CommonsenseQA, CosmosQA, HellaSwag, Social IQa,
SuperGLUE COPA and XCOPA. Each local file is one hub split, or its first N rows, written
back the way the local copy was serialised. The HellaSwag ru/fa post-edited sample and the
Portuguese Social IQa have no hub copy and stay local.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Callable, Iterable

import datasets

from evaluation.hub.registry import no_hub_copy, register
from evaluation.readers import read_csv_dicts, read_jsonl
from evaluation.targets.xcopa import COPA_TRAIN, FILE_PATTERN, SIQA_TRAIN

CARD = "https://huggingface.co/datasets/{}"
STRING = datasets.Value("string")

CSQA_TRAIN = "csqa/train_rand_split.first4000.jsonl"
COSMOSQA_DEV = "cosmosqa/valid.csv"
HELLASWAG_TRAIN = "hellaswag/hellaswag_train.first3368.jsonl"
XCOPA_LANGUAGES = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
XCOPA_SPLITS = {"val": "validation", "test": "test"}  # local file name -> hub split

COSMOSQA_COLUMNS = ("id", "context", "question", "answer0", "answer1", "answer2", "answer3", "label")
# rowanz's hellaswag_train.jsonl key order, which the hub's columns do not keep.
HELLASWAG_KEYS = ("ind", "activity_label", "ctx_a", "ctx_b", "ctx", "split", "split_type", "label",
                  "endings", "source_id")
SIQA_TEXTS = ("context", "question", "answerA", "answerB", "answerC")
SIQA_LETTERS = ("A", "B", "C")  # the hub's label "1".."3" is the 1-based position of the answer
COPA_KEYS = ("premise", "choice1", "choice2", "question", "label", "idx")


# --- serialisation ------------------------------------------------------------------------

def _first(ds, count: int):
    """The first ``count`` rows; a shorter split is an error, not a silently smaller file."""
    if ds.num_rows < count:
        raise ValueError(f"the split has {ds.num_rows} rows, the local file keeps the first {count}")
    return ds.select(range(count))


def _jsonl(records: Iterable[dict], *, ascii_only: bool = True, newline: str = "\n") -> bytes:
    """One ``json.dumps`` line per record, Python's default separators (as the local copies)."""
    return "".join(json.dumps(r, ensure_ascii=ascii_only) + newline for r in records).encode("utf-8")


def _csv(rows: Iterable[Iterable[object]], *, newline: str, final_newline: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    text = buffer.getvalue()
    return (text if final_newline else text[: -len(newline)]).encode("utf-8")


def _records(path: Path, convert: Callable[[dict], dict]) -> list[dict]:
    return [convert(record) for _, record in read_jsonl(path)]


# --- CommonsenseQA: tau/commonsense_qa flattens question.{stem, question_concept, choices} ---

CSQA_FEATURES = datasets.Features({
    "id": STRING,
    "question": STRING,
    "question_concept": STRING,
    "choices": datasets.Sequence({"label": STRING, "text": STRING}),
    "answerKey": STRING,
})


def _csqa_row(record: dict) -> dict:
    question = record["question"]
    return {
        "id": record["id"],
        "question": question["stem"],
        "question_concept": question["question_concept"],
        "choices": {"label": [c["label"] for c in question["choices"]],
                    "text": [c["text"] for c in question["choices"]]},
        "answerKey": record["answerKey"],
    }


def _csqa_record(row: dict) -> dict:
    choices = row["choices"]
    return {
        "answerKey": row["answerKey"],
        "id": row["id"],
        "question": {
            "question_concept": row["question_concept"],
            "choices": [{"label": label, "text": text}
                        for label, text in zip(choices["label"], choices["text"])],
            "stem": row["question"],
        },
    }


def csqa_train_to_local(ds) -> bytes:
    return _jsonl(_csqa_record(row) for row in _first(ds, 4000))


def csqa_train_from_local(path: Path) -> list[dict]:
    return _records(path, _csqa_row)


# --- CosmosQA: the hub's validation split is wilburOne/cosmosqa data/valid.csv, label an int ---

COSMOSQA_FEATURES = datasets.Features(
    {name: datasets.Value("int32") if name == "label" else STRING for name in COSMOSQA_COLUMNS})


def cosmosqa_dev_to_local(ds) -> bytes:
    rows = [[row[name] for name in COSMOSQA_COLUMNS] for row in ds]
    # The repo's valid.csv has csv-module CRLF line ends and no newline after the last row.
    return _csv([COSMOSQA_COLUMNS, *rows], newline="\r\n", final_newline=False)


def cosmosqa_dev_from_local(path: Path) -> list[dict]:
    return [{**row, "label": int(row["label"])} for _, row in read_csv_dicts(path)]


# --- HellaSwag: Rowan/hellaswag keeps the original fields, but types label as a string ---

HELLASWAG_FEATURES = datasets.Features({
    "ind": datasets.Value("int32"),
    "activity_label": STRING,
    "ctx_a": STRING,
    "ctx_b": STRING,
    "ctx": STRING,
    "endings": datasets.Sequence(STRING),
    "source_id": STRING,
    "split": STRING,
    "split_type": STRING,
    "label": STRING,
})


def hellaswag_train_to_local(ds) -> bytes:
    records = ({key: row[key] for key in HELLASWAG_KEYS} for row in _first(ds, 3368))
    return _jsonl({**record, "label": int(record["label"])} for record in records)


def hellaswag_train_from_local(path: Path) -> list[dict]:
    return _records(path, lambda record: {**record, "label": str(record["label"])})


# --- Social IQa: allenai/social_i_qa has no index column and labels "1".."3", not letters ---

SIQA_FEATURES = datasets.Features({**{name: STRING for name in SIQA_TEXTS}, "label": STRING})


def siqa_train_to_local(ds) -> bytes:
    # strip(): the hub's loader once kept train-labels.lst's newline in the label (datasets#1633).
    rows = [[index, *(row[name] for name in SIQA_TEXTS), SIQA_LETTERS[int(row["label"].strip()) - 1]]
            for index, row in enumerate(_first(ds, 4000))]
    # A pandas to_csv export: unnamed leading index column, LF line ends.
    return _csv([["", *SIQA_TEXTS, "correct"], *rows], newline="\n")


def siqa_train_from_local(path: Path) -> list[dict]:
    return [{**{name: row[name] for name in SIQA_TEXTS}, "label": str(SIQA_LETTERS.index(row["correct"]) + 1)}
            for _, row in read_csv_dicts(path)]


# --- COPA (English, SuperGLUE train as packaged by XTREME-R) and XCOPA ------------------------

COPA_FEATURES = datasets.Features({
    "premise": STRING,
    "choice1": STRING,
    "choice2": STRING,
    "question": STRING,
    "idx": datasets.Value("int32"),
    "label": datasets.ClassLabel(names=["choice1", "choice2"]),
})

XCOPA_FEATURES = datasets.Features({
    "premise": STRING,
    "choice1": STRING,
    "choice2": STRING,
    "question": STRING,
    "label": datasets.Value("int32"),
    "idx": datasets.Value("int32"),
    "changed": datasets.Value("bool"),
})


def copa_train_to_local(ds) -> bytes:
    return _jsonl({key: row[key] for key in COPA_KEYS} for row in ds)


def xcopa_to_local(ds) -> bytes:
    # cambridgeltl/xcopa's files: UTF-8 text unescaped, CRLF line ends.
    return _jsonl((dict(row) for row in ds), ascii_only=False, newline="\r\n")


def jsonl_from_local(path: Path) -> list[dict]:
    """COPA and XCOPA lines already carry the hub's fields and types."""
    return _records(path, dict)


# --- registrations ----------------------------------------------------------------------------

# Card tau/commonsense_qa: config default, splits train/validation/test; fields id, question (= stem),
# question_concept, choices{label, text}, answerKey, all strings (loader: train_rand_split.jsonl, in order).
register(path=CSQA_TRAIN, dataset="tau/commonsense_qa", config=None, split="train",
         card=CARD.format("tau/commonsense_qa"), features=CSQA_FEATURES,
         to_local=csqa_train_to_local, from_local=csqa_train_from_local,
         note="first 4000 of the 9741 train rows")

# Card allenai/cosmos_qa: splits train/test/validation; id, context, question, answer0..3 strings,
# label int32 (its loader reads validation from wilburOne/cosmosqa data/valid.csv, the local file's source).
register(path=COSMOSQA_DEV, dataset="allenai/cosmos_qa", config=None, split="validation",
         card=CARD.format("allenai/cosmos_qa"), features=COSMOSQA_FEATURES,
         to_local=cosmosqa_dev_to_local, from_local=cosmosqa_dev_from_local)

# Card Rowan/hellaswag: splits train/validation/test; ind int32, endings a list of strings, label a
# string ("3") (its loader: rowanz/hellaswag data/hellaswag_train.jsonl, in order).
register(path=HELLASWAG_TRAIN, dataset="Rowan/hellaswag", config=None, split="train",
         card=CARD.format("Rowan/hellaswag"), features=HELLASWAG_FEATURES,
         to_local=hellaswag_train_to_local, from_local=hellaswag_train_from_local,
         note="first 3368 of the 39905 train rows")

# Card allenai/social_i_qa: splits train (33410)/validation (1954); context, question, answerA..C and
# label all strings, label "1" = answerA (the card's validation example is local dev row 2, correct "A").
# NOT confirmed: that the hub's train order is socialIQa_v1.4_trn.jsonl's; the evidence says it is not.
register(path=SIQA_TRAIN, dataset="allenai/social_i_qa", config=None, split="train",
         card=CARD.format("allenai/social_i_qa"), features=SIQA_FEATURES,
         to_local=siqa_train_to_local, from_local=siqa_train_from_local,
         note="local = rows 0-3999 of socialIQa_v1.4_trn.jsonl; the hub's train (from the leaderboard's "
              "socialiqa-train-dev.zip) is ordered differently (its row 0 is 'Cameron decided to have a "
              "barbecue...', v1.4's 'Even though she had homework...'), so from the real hub the first 4000 "
              "are a different 4000 items and siqa_pt no longer aligns with them")

# Card aps/super_glue config copa: splits train (400)/validation/test; premise, choice1, choice2,
# question strings, idx int32, label ClassLabel [choice1, choice2]. The local file is byte-identical
# to SuperGLUE COPA/train.jsonl (checked against a copy in pangr2/dataset_collection).
register(path=COPA_TRAIN, dataset="aps/super_glue", config="copa", split="train",
         card=CARD.format("aps/super_glue"), features=COPA_FEATURES,
         to_local=copa_train_to_local, from_local=jsonl_from_local)

# Card cambridgeltl/xcopa: one config per language (et ht id it qu sw ta th tr vi zh), splits
# validation (100, from val.{lang}.jsonl) and test (500); premise, choice1, choice2, question strings,
# label int32, idx int32, changed bool (its loader: the xcopa repo's data/{lang}/ files, line by line).
def _register_xcopa() -> None:
    for language in XCOPA_LANGUAGES:
        for local_split, hub_split in XCOPA_SPLITS.items():
            register(path=FILE_PATTERN.format(split=local_split, lang=language), dataset="cambridgeltl/xcopa",
                     config=language, split=hub_split, card=CARD.format("cambridgeltl/xcopa"),
                     features=XCOPA_FEATURES, to_local=xcopa_to_local, from_local=jsonl_from_local)


_register_xcopa()

# No hub copy of fabiograssiotto/SocialIQA_pt found in the searchable hub pages (SocialIQA_pt, Portuguese
# Social IQa); the repo publishes its JSONL/CSV files on GitHub only.
no_hub_copy("siqa_pt", "Portuguese MT of Social IQa by fabiograssiotto/SocialIQA_pt (GitHub only); "
                       "no copy on the Hugging Face hub found")
# The post-edited HellaSwag translations (viczon7/hellaswag-ru-fa) are on GitHub only.
for _language in ("ru", "fa"):
    no_hub_copy(f"hellaswag/hellaswag_val_500_{_language}_edited.jsonl",
                "DeepL + human post-edited translation by viczon7/hellaswag-ru-fa (GitHub only); "
                "no copy on the Hugging Face hub found")
