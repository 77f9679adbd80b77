"""Readers shared by the source families (field access: ``evaluation.fields``)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

from evaluation.errors import XmixError
from evaluation.examples import PairExample
from evaluation.fields import as_object, label_id, text_field
from evaluation.readers import read_json


def read_keyed_pairs(path: Path, label_ids: Mapping[str, int]) -> list[PairExample]:
    """The PowerfulPromptFT layout of MNLI/SNLI/QQP: {"0": {text_a, text_b, label}, ...}.

    The file is one JSON object, so errors name the record key rather than a line.
    Records are taken in key order as written (the files keep "0".."3999").
    """
    document = read_json(path)
    if not isinstance(document, dict):
        raise XmixError(f"{path}: expected a JSON object of records keyed by index")
    return [pair_example(record, f"{path} record {key!r}", ("text_a", "text_b"), label_ids)
            for key, record in document.items()]


def pair_example(record: object, where: str, text_fields: tuple[str, str],
                 label_ids: Mapping[str, int]) -> PairExample:
    """The two named text fields and the mapped ``label`` field of one record."""
    first, second = text_fields
    return PairExample(
        text_field(record, first, where),
        text_field(record, second, where),
        label_id(as_object(record, where).get("label"), label_ids, where),
    )


def read_files(data_root: Path, files: tuple[str, ...], read_one: Callable[[Path], list]) -> list:
    """Concatenate ``read_one`` over a source's files, in the order the source lists them."""
    return [example for name in files for example in read_one(data_root / name)]
