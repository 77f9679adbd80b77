"""Field access for raw records (JSON lines, CSV rows), shared by sources and targets.

Every helper takes ``where`` ("path:line", or "path record KEY" for JSON documents)
so a malformed record is reported as an ``XmixError`` that says which file and line
to fix, instead of a bare ``KeyError`` deep inside training.
"""
from __future__ import annotations

from typing import Mapping

from evaluation.errors import XmixError


def as_object(record: object, where: str) -> Mapping:
    """A JSON line / CSV row must be an object; a list or a bare value is malformed."""
    if not isinstance(record, Mapping):
        raise XmixError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record


def text_field(record: object, key: str, where: str, *, allow_empty: bool = False) -> str:
    """A required string field. Empty is refused unless ``allow_empty``: in a data set
    whose texts are never empty, an empty one usually means shifted columns."""
    if key not in as_object(record, where):
        raise XmixError(f"{where}: missing field {key!r} (fields: {', '.join(map(str, record))})")
    value = record[key]
    if not isinstance(value, str) or not (allow_empty or value.strip()):
        raise XmixError(f"{where}: field {key!r} must be a {'' if allow_empty else 'non-empty '}string, "
                        f"got {value!r:.80}")
    return value


def label_id(value: object, label_ids: Mapping[object, int], where: str) -> int:
    """Map a raw label through the data set's table; unknown labels list the allowed ones."""
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
