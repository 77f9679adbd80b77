"""File-format readers shared by sources and targets.

Each reader names the file and line of a malformed record in an ``XmixError``:
a researcher pointing xmix at a new data folder must learn which line is wrong.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Callable, Iterator

from evaluation.errors import XmixError
from evaluation.examples import SpanExample, TagExample


def require_file(path: Path) -> Path:
    if path.is_dir():
        raise XmixError(f"{path}: a folder, expected a file")
    if not path.is_file():
        raise XmixError(f"{path}: file not found")
    return path


def read_text(path: Path) -> str:
    """The whole file as UTF-8 text, a leading byte-order mark dropped.

    Decoding the raw bytes in one go (not line by line from a text handle) lets an
    undecodable byte be reported with its line: the decoder's offset is into the bytes.
    """
    try:
        raw = require_file(path).read_bytes()
    except OSError as error:
        raise XmixError(f"{path}: cannot read ({error.strerror or error})") from None
    # Editors on Windows save UTF-8 with a BOM; it is not part of the first record.
    body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise XmixError(f"{path}:{line}: not UTF-8 text (byte 0x{body[error.start]:02x} at offset "
                        f"{error.start + len(raw) - len(body)})") from None


def text_lines(text: str) -> list[str]:
    """Lines without their newline, split exactly as iterating an ``open()``-ed file does.

    ``str.splitlines`` would also split at U+2028, U+0085, form feeds and the like,
    which occur inside real sentences and would shift every later line number.
    """
    return [line[:-1] if line.endswith("\n") else line for line in io.StringIO(text, newline=None)]


def _json_loads(path: Path, text: str, line_offset: int = 0, **options) -> object:
    """``json.loads`` whose every failure is an ``XmixError`` naming file and line."""
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError as error:
        raise XmixError(f"{path}:{line_offset + error.lineno}: not valid JSON ({error.msg})") from None
    except RecursionError:
        line, depth = _deepest(text)
        raise XmixError(f"{path}:{line_offset + line}: JSON nested too deeply "
                        f"({depth} levels of [ and {{)") from None
    except ValueError as error:
        # Python refuses integers of more than 4300 digits (int_max_str_digits).
        match = re.search(r"[0-9]{4301,}", text)
        line = text.count("\n", 0, match.start()) + 1 if match else 1
        raise XmixError(f"{path}:{line_offset + line}: unreadable JSON value ({error})") from None


def _deepest(text: str) -> tuple[int, int]:
    """(line, depth) where the bracket nesting first reaches its maximum; strings skipped."""
    depth = best = 0
    line = best_line = 1
    in_string = escaped = False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif char in "]}":
            depth -= 1
    return best_line, best


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, record) for every non-blank line."""
    for line_number, line in enumerate(text_lines(read_text(path)), start=1):
        if not line.strip():
            continue
        yield line_number, _json_loads(path, line, line_offset=line_number - 1)


def read_json(path: Path, object_pairs_hook: Callable[[list[tuple[str, object]]], object] | None = None) -> object:
    return _json_loads(path, read_text(path), object_pairs_hook=object_pairs_hook)


def read_tsv(path: Path, columns: int, header: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields); every row must have exactly ``columns`` fields."""
    rows = csv.reader(io.StringIO(read_text(path), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
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
    except csv.Error as error:  # e.g. a field over csv's size limit
        raise XmixError(f"{path}:{rows.line_num}: unreadable TSV row ({error})") from None


def read_csv_dicts(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line the record starts on, row); quoted fields may span lines (SIQA's do).

    ``strict``: a file cut inside a quoted field is an error, not one last row that
    swallowed the rest of the file; a row with more or fewer fields than the header
    (a truncated record) is refused here rather than read as missing values.
    """
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""), strict=True)
    try:
        columns = reader.fieldnames or []
        previous_end = reader.line_num
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if None in row or None in row.values():
                count = len(columns) + len(row.get(None) or ()) - sum(v is None for v in row.values())
                raise XmixError(f"{path}:{start}: expected {len(columns)} comma-separated fields "
                                f"(the header's), got {count}")
            yield start, row
    except csv.Error as error:
        # DictReader.line_num is only updated after a row parses; its inner reader's is current.
        raise XmixError(f"{path}:{reader.reader.line_num}: unreadable CSV row ({error})") from None


def read_squad(path: Path) -> list[SpanExample]:
    """SQuAD v1.1/v2.0 JSON (also XQuAD, MLQA, TyDiQA-GoldP); unanswerable questions dropped."""
    document = read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise XmixError(f"{path}: not SQuAD JSON (no top-level 'data' list)")
    examples = []
    qid = None
    try:
        for article in document["data"]:
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                for qa in paragraph["qas"]:
                    qid = qa["id"]
                    if qa.get("is_impossible") or not qa.get("answers"):
                        continue
                    answers = tuple((a["text"], int(a["answer_start"])) for a in qa["answers"])
                    examples.append(SpanExample(str(qid), qa["question"], context, answers))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # JSON carries no line numbers once parsed; the last question id read locates it.
        where = f" near question {str(qid)[:80]!r}" if qid is not None else ""
        raise XmixError(f"{path}: malformed SQuAD JSON{where} ({type(error).__name__}: {error})") from None
    return examples


def read_conll(path: Path) -> list[TagExample]:
    """token<TAB>tag lines, blank line between sentences (PAN-X, UD-POS in XTREME layout).

    XTREME's PAN-X files prefix tokens with the language (``en:London``); the prefix
    is stripped so the tokenizer sees the word itself.
    """
    sentences: list[TagExample] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line_number, line in enumerate(text_lines(read_text(path)), start=1):
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
    for line_number, line in enumerate(text_lines(read_text(path)), start=1):
        fields = line.split("\t")
        if line.strip() and fields[-1] not in allowed:
            raise XmixError(f"{path}:{line_number}: unknown tag {fields[-1]!r} (allowed: {', '.join(tags)})")
    raise XmixError(f"{path}: a tag outside {', '.join(tags)}")
