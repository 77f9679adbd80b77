"""A broken data file is an ``XmixError`` naming file and line, for every reader kind.

Each test copies a few records of a real benchmark file, breaks one line (a byte
that is not UTF-8, a record cut short, nesting past the recursion limit) and checks
that the reader names that line. The line numbers are worked out from the copy.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.readers import (read_csv_dicts, read_json, read_jsonl, read_squad, read_tagged_conll, read_text,
                                read_tsv, text_lines)
from evaluation.targets.panx import PANX_LABELS
from evaluation.targets.tatoeba import read_tatoeba

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
pytestmark = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")


def _raw_lines(relative: str, first: int, last: int) -> list[bytes]:
    """Lines ``first``..``last`` (1-based, inclusive) of a real file, as bytes."""
    return (DATA_ROOT / relative).read_bytes().split(b"\n")[first - 1:last]


def _copy(tmp_path: Path, name: str, lines: list[bytes]) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _fails_at(path: Path, line: int, what: str):
    return pytest.raises(XmixError, match=rf"^{re.escape(str(path))}:{line}: {what}")


def _bad_byte(line: bytes) -> bytes:
    """The line with a lone continuation byte after its 10th byte (inside the first field)."""
    return line[:10] + b"\x80" + line[10:]


# --- JSONL (XCOPA, COPA, HellaSwag, CSQA, SIQA, ANLI) ---------------------------------------

def test_jsonl_bad_byte_names_its_line(tmp_path):
    lines = _raw_lines("xcopa/test.sw.jsonl", 1, 5)
    lines[2] = _bad_byte(lines[2])
    path = _copy(tmp_path, "test.sw.jsonl", lines)
    with _fails_at(path, 3, r"not UTF-8 text \(byte 0x80 at offset \d+\)"):
        list(read_jsonl(path))


def test_jsonl_truncated_record_names_its_line(tmp_path):
    lines = _raw_lines("xcopa/test.sw.jsonl", 1, 5)
    lines[3] = lines[3][:len(lines[3]) // 2]
    path = _copy(tmp_path, "test.sw.jsonl", lines)
    with _fails_at(path, 4, "not valid JSON"):
        list(read_jsonl(path))


def test_jsonl_deep_nesting_names_its_line(tmp_path):
    lines = _raw_lines("xcopa/test.sw.jsonl", 1, 3)
    lines[1] = lines[1].rstrip(b"\r")[:-1] + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path = _copy(tmp_path, "test.sw.jsonl", lines)
    with _fails_at(path, 2, r"JSON nested too deeply \(100001 levels"):
        list(read_jsonl(path))


def test_jsonl_bom_is_not_part_of_the_first_record(tmp_path):
    lines = _raw_lines("xcopa/test.sw.jsonl", 1, 2)
    path = _copy(tmp_path, "test.sw.jsonl", [b"\xef\xbb\xbf" + lines[0], lines[1]])
    records = list(read_jsonl(path))
    assert [line for line, _ in records] == [1, 2]
    assert records[0][1]["premise"] == json.loads(lines[0])["premise"]


# --- JSON (SQuAD-format QA, LAReQA) ---------------------------------------------------------

def _squad_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    """The first paragraph of the real German XQuAD, one JSON token per line (indent)."""
    document = json.loads((DATA_ROOT / "xquad/xquad.de.json").read_text(encoding="utf-8"))
    paragraph = document["data"][0]["paragraphs"][0]
    small = {"version": "1.1", "data": [{"title": "t", "paragraphs": [paragraph]}]}
    text = json.dumps(small, ensure_ascii=False, indent=1)
    path = tmp_path / "xquad.de.json"
    path.write_text(text, encoding="utf-8")
    return path, text.split("\n")


def test_json_bad_byte_names_its_line(tmp_path):
    path, lines = _squad_copy(tmp_path)
    target = next(i for i, line in enumerate(lines) if '"question"' in line)
    raw = path.read_bytes().split(b"\n")
    raw[target] = raw[target].replace(b'"question": "', b'"question": "\xc3\x28', 1)
    path.write_bytes(b"\n".join(raw))
    with _fails_at(path, target + 1, r"not UTF-8 text \(byte 0xc3"):
        read_squad(path)


def test_json_truncated_file_names_the_last_line(tmp_path):
    path, lines = _squad_copy(tmp_path)
    kept = lines[:len(lines) * 2 // 3]
    path.write_text("\n".join(kept), encoding="utf-8")
    with _fails_at(path, len(kept), "not valid JSON"):
        read_squad(path)


def test_json_deep_nesting_names_the_line(tmp_path):
    path = tmp_path / "test-de.json"
    path.write_text('{\n "q1": ["a"],\n "q2": ' + "[" * 100_000 + "]" * 100_000 + "\n}", encoding="utf-8")
    with _fails_at(path, 3, r"JSON nested too deeply \(100001 levels"):
        read_json(path)


def test_json_integer_past_pythons_digit_limit_names_the_line(tmp_path):
    path = tmp_path / "test-de.json"
    path.write_text('{\n "q1": ["a"],\n "q2": ' + "7" * 5000 + "\n}", encoding="utf-8")
    with _fails_at(path, 3, "unreadable JSON value"):
        read_json(path)


def test_squad_record_missing_a_field_names_file_and_question(tmp_path):
    path, _ = _squad_copy(tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    second = document["data"][0]["paragraphs"][0]["qas"][1]
    del second["question"]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(XmixError, match=rf"^{re.escape(str(path))}: malformed SQuAD JSON near question "
                                        rf"'{second['id']}' \(KeyError: 'question'\)"):
        read_squad(path)


# --- TSV (XNLI, MNLI, PAWS-X, SST-2, QQP) ----------------------------------------------------

def test_tsv_bad_byte_names_its_line(tmp_path):
    lines = _raw_lines("xnli/dev-de.tsv", 1, 5)
    lines[1] = _bad_byte(lines[1])
    path = _copy(tmp_path, "dev-de.tsv", lines)
    with _fails_at(path, 2, "not UTF-8 text"):
        list(read_tsv(path, 3))


def test_tsv_truncated_record_names_its_line(tmp_path):
    lines = _raw_lines("xnli/dev-de.tsv", 1, 5)
    lines[3] = lines[3].rsplit(b"\t", 1)[0]  # the label column lost
    path = _copy(tmp_path, "dev-de.tsv", lines)
    with _fails_at(path, 4, "expected 3 tab-separated fields, got 2"):
        list(read_tsv(path, 3))


def test_tsv_field_over_the_csv_size_limit_names_its_line(tmp_path):
    lines = _raw_lines("xnli/dev-de.tsv", 1, 4)
    lines[2] = b"x" * 200_000 + b"\t" + lines[2]
    path = _copy(tmp_path, "dev-de.tsv", lines)
    with _fails_at(path, 3, r"unreadable TSV row \(field larger than field limit"):
        list(read_tsv(path, 3))


# --- CSV (Cosmos QA, SIQA) -------------------------------------------------------------------

# Lines 3655-3660 of the SIQA CSV: four records, the third spanning three lines (3657-3659).
SIQA = "siqa/train_1.first4000.csv"


def _siqa_copy(tmp_path: Path, last_record: bytes | None = None) -> Path:
    lines = _raw_lines(SIQA, 1, 1) + _raw_lines(SIQA, 3655, 3660)
    if last_record is not None:
        lines[-1] = last_record
    return _copy(tmp_path, "train.csv", lines)


def test_csv_records_are_numbered_by_their_first_physical_line(tmp_path):
    rows = list(read_csv_dicts(_siqa_copy(tmp_path)))
    assert [line for line, _ in rows] == [2, 3, 4, 7]
    assert "\n" in "".join(rows[2][1].values())  # the copy kept the multi-line record


def test_csv_bad_byte_names_its_line(tmp_path):
    path = _siqa_copy(tmp_path, _bad_byte(_raw_lines(SIQA, 3660, 3660)[0]))
    with _fails_at(path, 7, "not UTF-8 text"):
        list(read_csv_dicts(path))


def test_csv_truncated_record_names_its_line(tmp_path):
    path = _siqa_copy(tmp_path, _raw_lines(SIQA, 3660, 3660)[0].rsplit(b",", 1)[0])
    with _fails_at(path, 7, r"expected 7 comma-separated fields \(the header's\), got 6"):
        list(read_csv_dicts(path))


def test_csv_file_cut_inside_a_quoted_field_names_the_line(tmp_path):
    lines = _raw_lines("cosmosqa/valid.csv", 1, 4)
    cut = lines[3].index(b',"') + 10  # inside the quoted context of the third record
    path = tmp_path / "valid.csv"
    path.write_bytes(b"\n".join(lines[:3] + [lines[3][:cut]]))
    with _fails_at(path, 4, r"unreadable CSV row \(unexpected end of data\)"):
        list(read_csv_dicts(path))


def test_csv_bom_is_not_part_of_the_first_column_name(tmp_path):
    lines = _raw_lines("cosmosqa/valid.csv", 1, 2)
    path = _copy(tmp_path, "valid.csv", [b"\xef\xbb\xbf" + lines[0], lines[1]])
    (line, row), = read_csv_dicts(path)
    assert line == 2 and "id" in row and "\ufeffid" not in row


# --- token<TAB>tag (PAN-X, UD-POS) -------------------------------------------------------------

def test_conll_bad_byte_names_its_line(tmp_path):
    lines = _raw_lines("panx/dev-de.tsv", 1, 12)
    lines[2] = b"\xff" + lines[2]
    path = _copy(tmp_path, "dev-de.tsv", lines)
    with _fails_at(path, 3, "not UTF-8 text"):
        read_tagged_conll(path, PANX_LABELS)


def test_conll_truncated_record_names_its_line(tmp_path):
    lines = _raw_lines("panx/dev-de.tsv", 1, 12)
    lines[1] = lines[1].split(b"\t")[0]  # the tag lost
    path = _copy(tmp_path, "dev-de.tsv", lines)
    with _fails_at(path, 2, "expected token<TAB>tag"):
        read_tagged_conll(path, PANX_LABELS)


# --- Tatoeba: two aligned plain-text files -------------------------------------------------------

def _tatoeba_copy(tmp_path: Path, lines: int = 6) -> tuple[Path, Path]:
    paths = []
    for suffix in ("deu", "eng"):
        relative = f"tatoeba/tatoeba.deu-eng.{suffix}"
        paths.append(_copy(tmp_path, relative, _raw_lines(relative, 1, lines)))
    return paths[0], paths[1]


def test_tatoeba_bad_byte_names_its_line(tmp_path):
    german, _ = _tatoeba_copy(tmp_path)
    raw = german.read_bytes().split(b"\n")
    raw[2] = _bad_byte(raw[2])
    german.write_bytes(b"\n".join(raw))
    with _fails_at(german, 3, "not UTF-8 text"):
        read_tatoeba(tmp_path, "deu", "test")


def test_tatoeba_truncated_file_names_the_first_unpaired_line(tmp_path):
    german, english = _tatoeba_copy(tmp_path)
    english.write_text("\n".join(english.read_text(encoding="utf-8").splitlines()[:5]) + "\n", encoding="utf-8")
    with pytest.raises(XmixError, match=rf"has 6 lines but .* has 5; {re.escape(str(german))}:6 is the first line"):
        read_tatoeba(tmp_path, "deu", "test")


def test_tatoeba_line_separator_inside_a_sentence_keeps_the_pairs_aligned(tmp_path):
    german, _ = _tatoeba_copy(tmp_path)
    lines = german.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(" ", "\u2028", 1)  # str.splitlines would cut the sentence here
    german.write_text("\n".join(lines), encoding="utf-8")
    examples = read_tatoeba(tmp_path, "deu", "test")
    assert len(examples) == 6 and "\u2028" in examples[1].source


# --- the shared helpers ------------------------------------------------------------------------

def test_read_text_reports_the_offset_in_the_raw_file_including_a_bom(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes(b"\xef\xbb\xbfab\ncd\xfe\n")
    with _fails_at(path, 2, r"not UTF-8 text \(byte 0xfe at offset 8\)"):
        read_text(path)


def test_text_lines_split_like_file_iteration():
    assert text_lines("a\r\nb\rc\u2028d\x0ce\n\nf") == ["a", "b", "c\u2028d\x0ce", "", "f"]


def test_folder_given_as_a_file(tmp_path):
    with pytest.raises(XmixError, match=rf"^{re.escape(str(tmp_path))}: a folder, expected a file"):
        read_text(tmp_path)
