"""Field access for raw records, shared by the source families.

Every helper takes ``where`` ("path:line", or "path record KEY" for JSON documents)
so a malformed record is reported as an ``XmixError`` that says which file and line
to fix, instead of a bare ``KeyError`` deep inside training.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

from evaluation.errors import XmixError
from evaluation.examples import PairExample
from evaluation.readers import read_json


def as_object(record: object, where: str) -> Mapping:
    """A JSON line / CSV row must be an object; a list or a bare value is malformed."""
    if not isinstance(record, Mapping):
        raise XmixError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record


def text_field(record: Mapping, key: str, where: str) -> str:
    """A required, non-empty string field (an empty one usually means shifted columns)."""
    if not isinstance(record, Mapping):
        raise XmixError(f"{where}: expected an object with field {key!r}, got {type(record).__name__}")
    if key not in record:
        raise XmixError(f"{where}: missing field {key!r} (fields: {', '.join(map(str, record))})")
    value = record[key]
    if not isinstance(value, str) or not value.strip():
        raise XmixError(f"{where}: field {key!r} must be a non-empty string, got {value!r}")
    return value


def label_id(value: object, label_ids: Mapping[object, int], where: str) -> int:
    """Map a raw label through the source's table; unknown labels list the allowed ones."""
    try:
        return label_ids[value]
    except (KeyError, TypeError):
        allowed = ", ".join(repr(label) for label in label_ids)
        raise XmixError(f"{where}: unknown label {value!r} (expected one of {allowed})") from None


def choice_label(value: object, n_choices: int, where: str) -> int:
    """An answer index given as int or digit string, checked against the number of choices."""
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise XmixError(f"{where}: answer label {value!r} is not an index") from None
    if not 0 <= index < n_choices:
        raise XmixError(f"{where}: answer label {index} outside 0..{n_choices - 1}")
    return index


def read_keyed_pairs(path: Path, label_ids: Mapping[str, int]) -> list[PairExample]:
    """The PowerfulPromptFT layout of MNLI/SNLI/QQP: {"0": {text_a, text_b, label}, ...}.

    The file is one JSON object, so errors name the record key rather than a line.
    Records are taken in key order as written (the files keep "0".."3999").
    """
    document = read_json(path)
    if not isinstance(document, dict):
        raise XmixError(f"{path}: expected a JSON object of records keyed by index")
    examples = []
    for key, record in document.items():
        where = f"{path} record {key!r}"
        examples.append(
            PairExample(
                text_field(record, "text_a", where),
                text_field(record, "text_b", where),
                label_id(as_object(record, where).get("label"), label_ids, where),
            )
        )
    return examples


def read_files(data_root: Path, files: tuple[str, ...], read_one: Callable[[Path], list]) -> list:
    """Concatenate ``read_one`` over a source's files, in the order the source lists them.

    Sources bind this with ``functools.partial`` (module-level functions only), so a
    ``Source.read`` stays picklable for Ray workers.
    """
    return [example for name in files for example in read_one(data_root / name)]
