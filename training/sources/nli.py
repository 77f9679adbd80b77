"""Natural language inference sources: MNLI, SNLI, ANLI (English), KorNLI, OCNLI.

All of them share ``NLI_LABELS`` in one order (XNLI's), so ids mean the same thing in
every NLI head and in the XNLI target without remapping.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from evaluation.examples import Format, PairExample
from evaluation.families import NLI
from evaluation.readers import read_jsonl, read_tsv
from evaluation.targets.xnli import NLI_LABELS  # one label order for every NLI head and XNLI
from training.sources.records import as_object, label_id, read_files, read_keyed_pairs, text_field
from training.sources.registry import Source, register_source

NLI_LABEL_IDS = {name: index for index, name in enumerate(NLI_LABELS)}
# ANLI writes its labels as single letters.
ANLI_LABEL_IDS = {"e": 0, "n": 1, "c": 2}
# OCNLI marks pairs without a majority label with "-"; standard practice drops them.
OCNLI_NO_GOLD = "-"


def read_anli(path: Path) -> list[PairExample]:
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        examples.append(
            PairExample(
                text_field(record, "premise", where),
                text_field(record, "hypothesis", where),
                label_id(as_object(record, where).get("label"), ANLI_LABEL_IDS, where),
            )
        )
    return examples


def read_kornli(path: Path) -> list[PairExample]:
    """KorNLI TSV with header: sentence1, sentence2, gold_label."""
    return [
        PairExample(premise, hypothesis, label_id(label, NLI_LABEL_IDS, f"{path}:{line}"))
        for line, (premise, hypothesis, label) in read_tsv(path, columns=3, header=True)
    ]


def read_ocnli(path: Path) -> list[PairExample]:
    examples = []
    for line, record in read_jsonl(path):
        where = f"{path}:{line}"
        label = as_object(record, where).get("label")
        if label == OCNLI_NO_GOLD:
            continue
        examples.append(
            PairExample(
                text_field(record, "sentence1", where),
                text_field(record, "sentence2", where),
                label_id(label, NLI_LABEL_IDS, where),
            )
        )
    return examples


def read_keyed_nli(path: Path) -> list[PairExample]:
    return read_keyed_pairs(path, NLI_LABEL_IDS)


def _register(*, name: str, language: str, files: tuple[str, ...], read_one, lineage: str, hub_dataset: str,
              description: str) -> None:
    register_source(
        Source(
            name=name,
            language=language,
            family=NLI,
            format=Format.CLASSIFICATION,
            files=files,
            read=partial(read_files, files=files, read_one=read_one),
            lineage=lineage,
            labels=NLI_LABELS,
            description=description,
            hub_dataset=hub_dataset,
        )
    )


_register(name="mnli", language="en", files=("mnli/train.first4000.json",), read_one=read_keyed_nli,
          lineage="mnli/train", hub_dataset="nyu-mll/glue",
          description="MultiNLI train: first 4000 of a 9k random sample (multi-genre English NLI)")
_register(name="snli", language="en", files=("snli/train.first4000.json",), read_one=read_keyed_nli,
          lineage="snli/train", hub_dataset="stanfordnlp/snli",
          description="SNLI train: first 4000 of a 9k random sample (image-caption NLI)")
_register(name="anli", language="en", files=("anli/dev-R1.jsonl", "anli/dev-R2.jsonl", "anli/dev-R3.jsonl"),
          read_one=read_anli, lineage="anli/dev", hub_dataset="facebook/anli",
          description="Adversarial NLI rounds 1-3 dev sets (ANLI train is not available here)")
# KorNLI's test file translates XNLI test row by row: same lineage as XNLI test.
_register(name="kornli.ko", language="ko", files=("kornli/xnli.test.ko.tsv",), read_one=read_kornli,
          lineage="xnli/test", hub_dataset="kakaobrain/kor_nli",
          description="KorNLI: Korean translation of the XNLI test set")
_register(name="ocnli.zh", language="zh", files=("ocnli/train.3k.jsonl",), read_one=read_ocnli,
          lineage="ocnli/train", hub_dataset="clue/clue",
          description="OCNLI 3k low-resource train split (native Chinese NLI), unlabelled pairs dropped")
