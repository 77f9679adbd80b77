"""File-format readers shared by sources and targets.

Each reader names the file and line of a malformed record in an ``XmixError``:
a researcher pointing xmix at a new data folder must learn which line is wrong.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

from evaluation.errors import XmixError
from evaluation.examples import SpanExample, TagExample


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise XmixError(f"{path}: file not found")
    return path


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, record) for every non-blank line."""
    with require_file(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield line_number, json.loads(line)
            except json.JSONDecodeError as error:
                raise XmixError(f"{path}:{line_number}: not valid JSON ({error.msg})") from None


def read_json(path: Path) -> object:
    try:
        return json.loads(require_file(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise XmixError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None


def read_tsv(path: Path, columns: int, header: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields); every row must have exactly ``columns`` fields."""
    with require_file(path).open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for line_number, row in enumerate(rows, start=1):
            if header and line_number == 1:
                continue
            if not row:
                continue
            if len(row) != columns:
                raise XmixError(
                    f"{path}:{line_number}: expected {columns} tab-separated fields, got {len(row)}"
                )
            yield line_number, row


def read_csv_dicts(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with require_file(path).open(encoding="utf-8", newline="") as handle:
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            yield line_number, row


def read_squad(path: Path) -> list[SpanExample]:
    """SQuAD v1.1/v2.0 JSON (also XQuAD, MLQA, TyDiQA-GoldP); unanswerable questions dropped."""
    document = read_json(path)
    if not isinstance(document, dict) or "data" not in document:
        raise XmixError(f"{path}: not SQuAD JSON (no top-level 'data' list)")
    examples = []
    for article in document["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa.get("answers"):
                    continue
                answers = tuple((a["text"], int(a["answer_start"])) for a in qa["answers"])
                examples.append(SpanExample(str(qa["id"]), qa["question"], context, answers))
    return examples


def read_conll(path: Path) -> list[TagExample]:
    """token<TAB>tag lines, blank line between sentences (PAN-X, UD-POS in XTREME layout).

    XTREME's PAN-X files prefix tokens with the language (``en:London``); the prefix
    is stripped so the tokenizer sees the word itself.
    """
    sentences: list[TagExample] = []
    tokens: list[str] = []
    tags: list[str] = []
    with require_file(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if tokens:
                    sentences.append(TagExample(tuple(tokens), tuple(tags)))
                    tokens, tags = [], []
                continue
            fields = line.split("\t")
            if len(fields) < 2:
                raise XmixError(f"{path}:{line_number}: expected token<TAB>tag, got {line[:60]!r}")
            token = fields[0]
            if len(token) > 3 and token[2] == ":" and token[:2].isalpha() and token[:2].islower():
                token = token[3:]
            tokens.append(token)
            tags.append(fields[-1])
    if tokens:
        sentences.append(TagExample(tuple(tokens), tuple(tags)))
    return sentences


def read_tagged_conll(path: Path, tags: tuple[str, ...]) -> list[TagExample]:
    """``read_conll`` plus a check that every tag is declared; the error names its line."""
    sentences = read_conll(path)
    allowed = frozenset(tags)
    if all(tag in allowed for sentence in sentences for tag in sentence.tags):
        return sentences
    # Only on failure: rescan the file to point at the first offending line.
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("\t")
            if line.strip() and fields[-1] not in allowed:
                raise XmixError(f"{path}:{line_number}: unknown tag {fields[-1]!r} (allowed: {', '.join(tags)})")
    raise XmixError(f"{path}: a tag outside {', '.join(tags)}")
