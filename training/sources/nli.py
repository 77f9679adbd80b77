"""Natural language inference sources: MNLI, SNLI, ANLI (English), KorNLI, OCNLI.

All of them share XNLI's ``NLI_LABELS`` and label ids.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from evaluation.examples import Format, PairExample
from evaluation.families import NLI
from evaluation.fields import as_object, label_id
from evaluation.readers import read_jsonl, read_tsv
from evaluation.targets.records import parse_each
from evaluation.targets.xnli import NLI_LABEL_IDS, NLI_LABELS
from training.sources.records import pair_example, read_keyed_pairs
from training.sources.registry import register

# ANLI writes its labels as single letters.
ANLI_LABEL_IDS = {"e": 0, "n": 1, "c": 2}
# OCNLI marks pairs without a majority label with "-"; standard practice drops them.
OCNLI_NO_GOLD = "-"


def read_anli(path: Path) -> list[PairExample]:
    return parse_each(path, read_jsonl(path),
                      partial(pair_example, text_fields=("premise", "hypothesis"), label_ids=ANLI_LABEL_IDS))


def read_kornli(path: Path) -> list[PairExample]:
    """KorNLI TSV with header: sentence1, sentence2, gold_label."""
    return [
        PairExample(premise, hypothesis, label_id(label, NLI_LABEL_IDS, f"{path}:{line}"))
        for line, (premise, hypothesis, label) in read_tsv(path, columns=3, header=True)
    ]


def read_ocnli(path: Path) -> list[PairExample]:
    return parse_each(path, read_jsonl(path), _ocnli_item)


def _ocnli_item(record, where: str) -> PairExample | None:
    if as_object(record, where).get("label") == OCNLI_NO_GOLD:
        return None
    return pair_example(record, where, ("sentence1", "sentence2"), NLI_LABEL_IDS)


def read_keyed_nli(path: Path) -> list[PairExample]:
    return read_keyed_pairs(path, NLI_LABEL_IDS)


_register = partial(register, family=NLI, format=Format.CLASSIFICATION, labels=NLI_LABELS)


# MNLI and SNLI: the first 4000 records of PowerfulPromptFT's 9k random train samples.
for _name, _title, _kind in (("mnli", "MultiNLI", "multi-genre English NLI"),
                             ("snli", "SNLI", "image-caption NLI")):
    _register(name=_name, language="en", files=(f"{_name}/train.first4000.json",), read_one=read_keyed_nli,
              lineage=f"{_name}/train",
              description=f"{_title} train: first 4000 of a 9k random sample ({_kind})")
_register(name="anli", language="en", files=("anli/dev-R1.jsonl", "anli/dev-R2.jsonl", "anli/dev-R3.jsonl"),
          read_one=read_anli, lineage="anli/dev",
          description="Adversarial NLI rounds 1-3 dev sets (ANLI train is not available here)")
# KorNLI's test file translates XNLI test row by row: same lineage as XNLI test.
_register(name="kornli.ko", language="ko", files=("kornli/xnli.test.ko.tsv",), read_one=read_kornli,
          lineage="xnli/test",
          description="KorNLI: Korean translation of the XNLI test set")
_register(name="ocnli.zh", language="zh", files=("ocnli/train.3k.jsonl",), read_one=read_ocnli,
          lineage="ocnli/train",
          description="OCNLI 3k low-resource train split (native Chinese NLI), unlabelled pairs dropped")
