"""Every bad ``xmix score`` input is exit 2 with a message naming the file (and line).

Each case builds a valid prediction/gold pair from the real data, breaks one thing,
and runs the real entry point (``sweep.cli.main``) in-process. Any exception other
than ``SystemExit`` escapes the test and fails it, so a traceback cannot pass.
The positive cases at the end (BOM, CRLF, XTREME v1 folder layout) check that the
tolerant paths still score the right numbers.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable

import pytest

import sweep.cli

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
pytestmark = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")

DEEP = 100_000  # nesting depth the tester used; far past Python's recursion limit


def run_score(pred: Path, gold: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["xmix", "score", "--predictions", str(pred), "--gold", str(gold)])
    with pytest.raises(SystemExit) as exit_info:
        sweep.cli.main()
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else code), captured.out, captured.err


# --- real-shaped valid files ---------------------------------------------------------

def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _lines(relative: str, count: int) -> list[str]:
    return (DATA_ROOT / relative).read_text(encoding="utf-8").splitlines()[:count]


def xnli(pred: Path, gold: Path, n: int = 5) -> tuple[Path, Path]:
    rows = _lines("xnli/dev-de.tsv", n)
    return (_write(pred / "xnli/test-de.tsv", "\n".join(r.split("\t")[-1] for r in rows) + "\n"),
            _write(gold / "xnli/test-de.tsv", "\n".join(rows) + "\n"))


def xcopa(pred: Path, gold: Path, n: int = 4) -> tuple[Path, Path]:
    records = _lines("xcopa/test.sw.jsonl", n)
    labels = [str(json.loads(r)["label"]) for r in records]
    return (_write(pred / "xcopa/test-sw.tsv", "\n".join(labels) + "\n"),
            _write(gold / "xcopa/test-sw.jsonl", "\n".join(records) + "\n"))


def tatoeba(pred: Path, gold: Path, n: int = 5) -> tuple[Path, Path]:
    return (_write(pred / "tatoeba/test-deu.tsv", "\n".join(map(str, range(n))) + "\n"),
            _write(gold / "tatoeba/test-deu.tsv", "\n".join(map(str, range(n))) + "\n"))


def _panx_rows(sentences: int) -> list[str]:
    rows, seen = [], 0
    for line in (DATA_ROOT / "panx/dev-de.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            seen += 1
            if seen == sentences:
                break
        rows.append(line)
    return rows


def panx(pred: Path, gold: Path, sentences: int = 2) -> tuple[Path, Path]:
    rows = _panx_rows(sentences)
    return (_write(pred / "panx/test-de.tsv", "\n".join(r.split("\t")[-1] if r else "" for r in rows) + "\n"),
            _write(gold / "panx/test-de.tsv", "\n".join(rows) + "\n"))


def udpos(pred: Path, gold: Path) -> tuple[Path, Path]:
    rows = _lines("udpos/test-en.tsv", 12)
    while rows and rows[-1].strip():  # whole sentences only
        rows.pop()
    return (_write(pred / "udpos/test-en.tsv", "\n".join(r.split("\t")[-1] if r else "" for r in rows) + "\n"),
            _write(gold / "udpos/test-en.tsv", "\n".join(rows) + "\n"))


def squad_document(questions: int = 3) -> dict:
    """The first ``questions`` questions of the real German XQuAD, as SQuAD v1.1."""
    document = json.loads((DATA_ROOT / "xquad/xquad.de.json").read_text(encoding="utf-8"))
    paragraph = dict(document["data"][0]["paragraphs"][0])
    paragraph["qas"] = paragraph["qas"][:questions]
    return {"version": "1.1", "data": [{"title": "t", "paragraphs": [paragraph]}]}


def xquad(pred: Path, gold: Path, task: str = "xquad", language: str = "de") -> tuple[Path, Path]:
    document = squad_document()
    qas = document["data"][0]["paragraphs"][0]["qas"]
    answers = {qa["id"]: qa["answers"][0]["text"] for qa in qas}
    # indent: one key per line, so errors have distinct lines to name
    return (_write(pred / f"{task}/test-{language}.json", json.dumps(answers, ensure_ascii=False, indent=1)),
            _write(gold / f"{task}/test-{language}.json", json.dumps(document, ensure_ascii=False, indent=1)))


def lareqa(pred: Path, gold: Path, task: str = "lareqa") -> tuple[Path, Path]:
    return (_write(pred / f"{task}/test-de.json", json.dumps({"q1": ["a", "x", "b"], "q2": ["x", "c"]}, indent=1)),
            _write(gold / f"{task}/test-de.json", json.dumps({"q1": ["a", "b"], "q2": ["c"]}, indent=1)))


def _replace_line(path: Path, number: int, new: str | bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = new if isinstance(new, bytes) else new.encode("utf-8")
    path.write_bytes(b"\n".join(lines))


def _deep(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


# --- the bad inputs: (name, build(pred, gold), text the error must contain) -----------------

Case = tuple[str, Callable[[Path, Path], None], tuple[str, ...]]
CASES: list[Case] = []


def case(*expected: str):
    def register(build):
        CASES.append((build.__name__, build, expected))
        return build
    return register


# folders

@case("pred: predictions folder not found")
def missing_predictions_folder(pred, gold):
    xnli(pred, gold)
    os.rename(pred, pred.parent / "elsewhere")


@case("gold: gold folder not found")
def missing_gold_folder(pred, gold):
    xnli(pred, gold)
    os.rename(gold, gold.parent / "elsewhere")


@case("pred: predictions folder not found")
def predictions_is_a_file(pred, gold):
    gold.mkdir()
    _write(pred, "entailment\n")


@case("pred: no task folders")
def no_task_folders(pred, gold):
    pred.mkdir()
    gold.mkdir()
    _write(pred / "test-de.tsv", "entailment\n")


@case("pred: no XTREME-R task folders (only pawsx: XTREME (v1)")
def only_xtreme_v1_task_folders(pred, gold):
    _write(pred / "pawsx/test-de.tsv", "1\n")
    _write(gold / "pawsx/test-de.tsv", "1\n")


@case("pred/xcopa/test-sw.jsonl", "pred/xcopa/test-sw.tsv", "two files for xcopa language 'sw'")
def two_files_for_one_language(pred, gold):
    xcopa(pred, gold)
    _write(pred / "xcopa/test-sw.jsonl", (gold / "xcopa/test-sw.jsonl").read_text())


@case("pred/xnli/test-de.tsv: a folder, expected a file")
def prediction_file_is_a_folder(pred, gold):
    xnli(pred, gold)
    (pred / "xnli/test-de.tsv").unlink()
    (pred / "xnli/test-de.tsv").mkdir()


@case("gold/xnli/test-de.tsv: a folder")
def gold_file_is_a_folder(pred, gold):
    xnli(pred, gold)
    (gold / "xnli/test-de.tsv").unlink()
    (gold / "xnli/test-de.tsv").mkdir()


@case("pred/xnli/test-de.tsv: a broken link or a link loop")
def prediction_symlink_loop(pred, gold):
    xnli(pred, gold)
    (pred / "xnli/test-de.tsv").unlink()
    (pred / "xnli/test-de.tsv").symlink_to("test-de.tsv")


@case("gold/xnli/test-de.tsv: a broken link")
def gold_dangling_symlink(pred, gold):
    xnli(pred, gold)
    (gold / "xnli/test-de.tsv").unlink()
    (gold / "xnli/test-de.tsv").symlink_to("nowhere.tsv")


# one label per line (XNLI)

@case("gold/xnli/test-de.tsv: no labels")
def empty_prediction_and_gold_files(pred, gold):
    xnli(pred, gold)
    _write(pred / "xnli/test-de.tsv", "")
    _write(gold / "xnli/test-de.tsv", "")


@case("pred/xnli/test-de.tsv:1: not UTF-8 text")
def utf16_prediction_file(pred, gold):
    xnli(pred, gold)
    _write(pred / "xnli/test-de.tsv", (pred / "xnli/test-de.tsv").read_text().encode("utf-16"))


@case("pred/xnli/test-de.tsv:6: not UTF-8 text")
def prediction_cut_inside_a_character(pred, gold):
    xnli(pred, gold)
    _write(pred / "xnli/test-de.tsv", (pred / "xnli/test-de.tsv").read_bytes() + "é".encode()[:1])


@case("pred/xnli/test-de.tsv has 4 labels", "gold/xnli/test-de.tsv has 5")
def fewer_predictions_than_gold(pred, gold):
    xnli(pred, gold)
    _write(pred / "xnli/test-de.tsv", "\n".join((pred / "xnli/test-de.tsv").read_text().splitlines()[:4]) + "\n")


# XCOPA: tsv predictions, jsonl gold

@case("gold/xcopa/test-sw.jsonl:3: not valid JSON")
def xcopa_gold_truncated_record(pred, gold):
    xcopa(pred, gold)
    path = gold / "xcopa/test-sw.jsonl"
    _replace_line(path, 3, path.read_text().splitlines()[2][:40])


# tags (PAN-X, UD-POS)

@case("sentence 1:", "pred/panx/test-de.tsv:1 has", "gold/panx/test-de.tsv:1 has")
def panx_sentence_missing_a_tag(pred, gold):
    panx(pred, gold)
    lines = (pred / "panx/test-de.tsv").read_text().split("\n")
    _write(pred / "panx/test-de.tsv", "\n".join(lines[1:]))


@case("pred/panx/test-de.tsv has 1 sentences", "gold/panx/test-de.tsv has 2")
def panx_missing_sentence(pred, gold):
    panx(pred, gold)
    text = (pred / "panx/test-de.tsv").read_text()
    _write(pred / "panx/test-de.tsv", text.split("\n\n")[0] + "\n")


# QA JSON (XQuAD, MLQA)

@case("pred/xquad/test-de.json:3: not UTF-8 text")
def xquad_prediction_bad_byte(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    _replace_line(path, 3, path.read_bytes().split(b"\n")[2].replace(b'"', b'"\xff', 1))


@case("pred/xquad/test-de.json:", "not valid JSON")
def xquad_prediction_truncated(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    _write(path, path.read_text()[:-20])


@case("pred/xquad/test-de.json: the prediction for", "must be a string, got 308")
def xquad_prediction_is_a_number(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    answers = json.loads(path.read_text())
    _write(path, json.dumps({key: 308 for key in answers}))


@case("pred/xquad/test-de.json: the prediction for", "must be a string, got nan")
def xquad_prediction_is_nan(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    _write(path, "{" + ", ".join(f'"{key}": NaN' for key in json.loads(path.read_text())) + "}")


@case("pred/xquad/test-de.json: id '56beb4343aeaaa14008c925b' occurs twice")
def xquad_prediction_duplicate_id(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    _write(path, path.read_text().replace("{", '{\n "56beb4343aeaaa14008c925b": "Wrong",', 1))


@case("gold/xquad/test-de.json: question id '56beb4343aeaaa14008c925b' occurs twice")
def xquad_gold_duplicate_id(pred, gold):
    xquad(pred, gold)
    document = squad_document()
    qas = document["data"][0]["paragraphs"][0]["qas"]
    qas.append(qas[0])
    _write(gold / "xquad/test-de.json", json.dumps(document, ensure_ascii=False))


@case("gold/xquad/test-de.json: no questions")
def xquad_gold_without_questions(pred, gold):
    xquad(pred, gold)
    _write(gold / "xquad/test-de.json", json.dumps({"data": []}))
    _write(pred / "xquad/test-de.json", "{}")


@case("pred/xquad/test-de.json has 2 questions", "gold/xquad/test-de.json has 3")
def xquad_prediction_missing_a_question(pred, gold):
    xquad(pred, gold)
    path = pred / "xquad/test-de.json"
    answers = json.loads(path.read_text())
    answers.pop(next(iter(answers)))
    _write(path, json.dumps(answers))


@case("pred/mlqa/test-xx.json", "gold/mlqa/test-xx.json")
def mlqa_language_without_normalisation_rules(pred, gold):
    xquad(pred, gold, task="mlqa", language="xx")


# rankings (LAReQA, Mewsli-X)

@case("gold/mewslix/test-de.json: no queries")
def mewslix_empty_objects(pred, gold):
    lareqa(pred, gold, task="mewslix")
    _write(pred / "mewslix/test-de.json", "{}")
    _write(gold / "mewslix/test-de.json", "{}")


@case("pred/mewslix/test-de.json:1: JSON nested too deeply")
def mewslix_prediction_deep_nesting(pred, gold):
    lareqa(pred, gold, task="mewslix")
    _write(pred / "mewslix/test-de.json", '{"q1": ' + _deep() + "}")


@case("pred/mewslix/test-de.json: the value for 'q1' must be a list of id strings")
def mewslix_ranking_nested_500_deep(pred, gold):
    # Deep enough to break a naive repr(), shallow enough for json to parse.
    lareqa(pred, gold, task="mewslix")
    _write(pred / "mewslix/test-de.json", '{"q1": ' + _deep(500) + ', "q2": ["c"]}')


# Cases that replace one line of a valid file: (name, builder, file, line number, new line, *expected)
LINE_CASES: list[tuple] = [
    # one label per line (XNLI)
    ("blank_line_between_labels", xnli, "pred/xnli/test-de.tsv", 3, "", "pred/xnli/test-de.tsv:3: empty line"),
    ("unknown_label", xnli, "pred/xnli/test-de.tsv", 3, "entail", "pred/xnli/test-de.tsv:3: unknown label 'entail'"),
    ("nan_label", xnli, "pred/xnli/test-de.tsv", 2, "nan", "pred/xnli/test-de.tsv:2: unknown label 'nan'"),
    ("label_in_wrong_case", xnli, "pred/xnli/test-de.tsv", 1, "Entailment",
     "pred/xnli/test-de.tsv:1: unknown label 'Entailment'"),
    ("nul_byte_in_label", xnli, "pred/xnli/test-de.tsv", 4, b"entail\x00ment",
     "pred/xnli/test-de.tsv:4: unknown label 'entail\\x00ment'"),
    ("megabyte_label", xnli, "pred/xnli/test-de.tsv", 2, "x" * 1_000_000, "pred/xnli/test-de.tsv:2: unknown label"),
    ("gold_label_is_an_index", xnli, "gold/xnli/test-de.tsv", 2, "a\tb\t2",
     "gold/xnli/test-de.tsv:2: unknown label '2'"),
    ("bad_byte_in_prediction", xnli, "pred/xnli/test-de.tsv", 4, b"neut\xffral",
     "pred/xnli/test-de.tsv:4: not UTF-8 text (byte 0xff"),
    ("bad_byte_in_gold", xnli, "gold/xnli/test-de.tsv", 2, "Er sagte kein Wort.\tcontradiction".encode("latin-1") + b"\xe4",
     "gold/xnli/test-de.tsv:2: not UTF-8 text"),
    # XCOPA: tsv predictions, jsonl gold
    ("xcopa_choice_out_of_range", xcopa, "pred/xcopa/test-sw.tsv", 2, "2",
     "pred/xcopa/test-sw.tsv:2: unknown label '2'"),
    ("xcopa_gold_record_without_label", xcopa, "gold/xcopa/test-sw.jsonl", 2, json.dumps({"premise": "p", "idx": 1}),
     "gold/xcopa/test-sw.jsonl:2: expected a JSON object with a 'label' field"),
    ("xcopa_gold_record_is_a_list", xcopa, "gold/xcopa/test-sw.jsonl", 1, "[0, 1]",
     "gold/xcopa/test-sw.jsonl:1: expected a JSON object with a 'label' field"),
    ("xcopa_gold_label_is_a_list", xcopa, "gold/xcopa/test-sw.jsonl", 1, '{"label": [[[[[[[[0]]]]]]]]}',
     "gold/xcopa/test-sw.jsonl:1: 'label' must be a string or an integer"),
    ("xcopa_gold_label_nan", xcopa, "gold/xcopa/test-sw.jsonl", 2, '{"label": NaN}',
     "gold/xcopa/test-sw.jsonl:2: 'label' must be a string or an integer, got nan"),
    ("xcopa_gold_label_boolean", xcopa, "gold/xcopa/test-sw.jsonl", 4, '{"label": true}',
     "gold/xcopa/test-sw.jsonl:4: 'label' must be a string or an integer, got True"),
    ("xcopa_gold_bad_byte", xcopa, "gold/xcopa/test-sw.jsonl", 2, b'{"premise": "\xc3(", "label": 0}',
     "gold/xcopa/test-sw.jsonl:2: not UTF-8 text"),
    ("xcopa_gold_deep_nesting", xcopa, "gold/xcopa/test-sw.jsonl", 2, '{"label": 0, "x": ' + _deep() + "}",
     "gold/xcopa/test-sw.jsonl:2: JSON nested too deeply"),
    ("xcopa_gold_5000_digit_label", xcopa, "gold/xcopa/test-sw.jsonl", 1, '{"label": ' + "1" * 5000 + "}",
     "gold/xcopa/test-sw.jsonl:1: unreadable JSON value"),
    # Tatoeba: one index per line
    ("tatoeba_superscript_two", tatoeba, "pred/tatoeba/test-deu.tsv", 2, "²",
     "pred/tatoeba/test-deu.tsv:2: expected a non-negative integer index (digits 0-9), got '²'"),
    ("tatoeba_arabic_indic_digit", tatoeba, "pred/tatoeba/test-deu.tsv", 3, "٣",
     "pred/tatoeba/test-deu.tsv:3: expected a non-negative integer index"),
    ("tatoeba_negative_index", tatoeba, "pred/tatoeba/test-deu.tsv", 1, "-1",
     "pred/tatoeba/test-deu.tsv:1: expected a non-negative integer index (digits 0-9), got '-1'"),
    ("tatoeba_float_index", tatoeba, "pred/tatoeba/test-deu.tsv", 4, "3.0",
     "pred/tatoeba/test-deu.tsv:4: expected a non-negative integer index (digits 0-9), got '3.0'"),
    ("tatoeba_5000_digit_index", tatoeba, "pred/tatoeba/test-deu.tsv", 5, "7" * 5000,
     "pred/tatoeba/test-deu.tsv:5: index", "is too large"),
    ("tatoeba_gold_bad_byte", tatoeba, "gold/tatoeba/test-deu.tsv", 3, b"\x80",
     "gold/tatoeba/test-deu.tsv:3: not UTF-8 text"),
    # tags (PAN-X, UD-POS)
    ("panx_unknown_tag", panx, "pred/panx/test-de.tsv", 2, "B-XYZ", "pred/panx/test-de.tsv:2: unknown label 'B-XYZ'"),
    ("udpos_bad_byte", udpos, "pred/udpos/test-en.tsv", 2, b"NO\xfeUN", "pred/udpos/test-en.tsv:2: not UTF-8 text"),
    # QA JSON (XQuAD, MLQA)
    ("xquad_gold_bad_byte", xquad, "gold/xquad/test-de.json", 2, b' "version": "1.1\xed\xa0\x80",',  # a UTF-16 surrogate
     "gold/xquad/test-de.json:2: not UTF-8 text"),
    # rankings (LAReQA, Mewsli-X)
    ("lareqa_gold_bad_byte", lareqa, "gold/lareqa/test-de.json", 3, b'  "\xc0\xaf",',
     "gold/lareqa/test-de.json:3: not UTF-8 text"),
]


# Cases that overwrite a valid file: (name, builder, file, new content, *expected)
FILE_CASES: list[tuple] = [
    # folders
    ("gold_file_missing", xnli, "pred/xnli/test-fr.tsv", "entailment\n", "gold/xnli/test-fr.tsv: file not found"),
    # one label per line (XNLI)
    ("empty_prediction_file", xnli, "pred/xnli/test-de.tsv", "", "pred/xnli/test-de.tsv: no labels"),
    ("empty_gold_file", xnli, "gold/xnli/test-de.tsv", "", "gold/xnli/test-de.tsv: no labels"),
    ("whitespace_only_prediction_file", xnli, "pred/xnli/test-de.tsv", "\n \n\t\n",
     "pred/xnli/test-de.tsv: no labels"),
    ("bom_only_prediction_file", xnli, "pred/xnli/test-de.tsv", b"\xef\xbb\xbf", "pred/xnli/test-de.tsv: no labels"),
    # XCOPA: tsv predictions, jsonl gold
    ("xcopa_gold_empty_jsonl", xcopa, "gold/xcopa/test-sw.jsonl", "\n\n", "gold/xcopa/test-sw.jsonl: no labels"),
    # Tatoeba: one index per line
    ("tatoeba_empty_predictions", tatoeba, "pred/tatoeba/test-deu.tsv", "", "pred/tatoeba/test-deu.tsv: no indices"),
    # tags (PAN-X, UD-POS)
    ("udpos_empty_gold", udpos, "gold/udpos/test-en.tsv", "\n", "gold/udpos/test-en.tsv: no sentences"),
    # QA JSON (XQuAD, MLQA)
    ("xquad_prediction_deep_nesting", xquad, "pred/xquad/test-de.json", _deep(),
     "pred/xquad/test-de.json:1: JSON nested too deeply"),
    ("xquad_gold_deep_nesting", xquad, "gold/xquad/test-de.json", '{\n"version": "1.1",\n"data": ' + _deep() + "\n}",
     "gold/xquad/test-de.json:3: JSON nested too deeply"),
    ("xquad_prediction_empty_file", xquad, "pred/xquad/test-de.json", "",
     "pred/xquad/test-de.json:1: not valid JSON"),
    ("xquad_gold_empty_file", xquad, "gold/xquad/test-de.json", "", "gold/xquad/test-de.json:1: not valid JSON"),
    ("xquad_prediction_is_a_list", xquad, "pred/xquad/test-de.json", '["308"]',
     "pred/xquad/test-de.json: expected a JSON object keyed by id, got list"),
    ("xquad_prediction_is_null", xquad, "pred/xquad/test-de.json", "null",
     "pred/xquad/test-de.json: expected a JSON object keyed by id, got NoneType"),
    ("xquad_prediction_5000_digit_number", xquad, "pred/xquad/test-de.json", '{"x": ' + "9" * 5000 + "}",
     "pred/xquad/test-de.json:", "unreadable JSON value"),
    ("xquad_gold_without_data", xquad, "gold/xquad/test-de.json", json.dumps({"version": "1.1", "articles": []}),
     "gold/xquad/test-de.json: not SQuAD JSON"),
    ("xquad_gold_article_without_paragraphs", xquad, "gold/xquad/test-de.json", json.dumps({"data": [{"title": "t"}]}),
     "gold/xquad/test-de.json: malformed SQuAD JSON (KeyError: 'paragraphs')"),
    ("xquad_gold_article_is_a_string", xquad, "gold/xquad/test-de.json", json.dumps({"data": ["Super_Bowl_50"]}),
     "gold/xquad/test-de.json: malformed SQuAD JSON (TypeError"),
    # rankings (LAReQA, Mewsli-X)
    ("lareqa_ranking_is_a_string", lareqa, "pred/lareqa/test-de.json", json.dumps({"q1": "a", "q2": ["c"]}),
     "pred/lareqa/test-de.json: the value for 'q1' must be a list of id strings, got 'a'"),
    ("lareqa_ranking_of_numbers", lareqa, "pred/lareqa/test-de.json", json.dumps({"q1": ["a"], "q2": [1, 2]}),
     "pred/lareqa/test-de.json: the value for 'q2' must be a list of id strings, got [1, 2]"),
    ("lareqa_ranking_repeats_an_id", lareqa, "pred/lareqa/test-de.json", json.dumps({"q1": ["a", "a", "b"], "q2": ["c"]}),
     "pred/lareqa/test-de.json: the list for 'q1' holds 'a' twice"),
    ("lareqa_gold_query_without_relevant_ids", lareqa, "gold/lareqa/test-de.json", json.dumps({"q1": ["a"], "q2": []}),
     "gold/lareqa/test-de.json: query 'q2' has no relevant id"),
    ("lareqa_prediction_duplicate_query", lareqa, "pred/lareqa/test-de.json", '{"q1": ["a"], "q2": ["c"], "q1": ["b"]}',
     "pred/lareqa/test-de.json: id 'q1' occurs twice"),
]


# Cases that rename a file or folder of a valid XNLI pair: (name, file, its new path in that folder, *expected)
RENAME_CASES: list[tuple] = [
    ("unknown_task_folder", "pred/xnli", "xnl", "pred/xnl: not an XTREME-R task folder"),
    ("gold_task_folder_missing", "gold/xnli", "other", "gold/xnli: gold folder not found"),
    ("no_language_files", "pred/xnli/test-de.tsv", "xnli/de.tsv", "pred/xnli: no test-<lang>.tsv files"),
    ("wrong_extension", "pred/xnli/test-de.tsv", "xnli/test-de.json", "pred/xnli/test-de.json: xnli files are .tsv"),
]


def _file(pred: Path, gold: Path, where: str) -> Path:
    """"pred/<task>/<file>" or "gold/<task>/<file>" under the case's two folders."""
    side, relative = where.split("/", 1)
    return {"pred": pred, "gold": gold}[side] / relative


def _renamed(where, new):
    def build(pred, gold):
        xnli(pred, gold)
        path = _file(pred, gold, where)
        os.rename(path, _file(pred, gold, where.split("/", 1)[0] + "/" + new))
    return build


def _replaced(builder, where, number, new):
    def build(pred, gold):
        builder(pred, gold)
        _replace_line(_file(pred, gold, where), number, new)
    return build


def _rewritten(builder, where, content):
    def build(pred, gold):
        builder(pred, gold)
        _write(_file(pred, gold, where), content)
    return build


CASES += [(name, _replaced(builder, where, number, new), tuple(expected))
          for name, builder, where, number, new, *expected in LINE_CASES]
CASES += [(name, _rewritten(builder, where, content), tuple(expected))
          for name, builder, where, content, *expected in FILE_CASES]
CASES += [(name, _renamed(where, new), tuple(expected)) for name, where, new, *expected in RENAME_CASES]


@pytest.mark.parametrize("build, expected", [(b, e) for _, b, e in CASES], ids=[name for name, _, _ in CASES])
def test_bad_input_is_exit_2_naming_the_file(build, expected, tmp_path, monkeypatch, capsys):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    build(pred, gold)
    code, out, err = run_score(pred, gold, monkeypatch, capsys)
    assert code == 2, f"exit {code}; stdout {out[:300]!r}; stderr {err[:300]!r}"
    assert err.startswith("xmix: error: "), err[:300]
    for text in expected:
        assert text in err, f"{text!r} not in {err[:500]!r}"
    assert "Traceback" not in err and out == ""
    assert len(err) < 2000, "the message must stay one readable line, whatever the file held"


def test_the_case_list_is_broad():
    # The tester's list of kinds had 53; each case above is one distinct bad input.
    assert len(CASES) >= 53


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_prediction_file(tmp_path, monkeypatch, capsys):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    path, _ = xnli(pred, gold)
    path.chmod(0)
    try:
        code, _, err = run_score(pred, gold, monkeypatch, capsys)
    finally:
        path.chmod(0o644)
    assert code == 2 and "pred/xnli/test-de.tsv: cannot read" in err


# --- inputs that must score ----------------------------------------------------------------

def test_byte_order_marks_and_crlf_are_tolerated(tmp_path, monkeypatch, capsys):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    pred_path, gold_path = xnli(pred, gold, n=4)
    labels = pred_path.read_text().splitlines()
    wrong = {"entailment": "neutral", "neutral": "contradiction", "contradiction": "entailment"}[labels[0]]
    _write(pred_path, b"\xef\xbb\xbf" + "\r\n".join([wrong] + labels[1:]).encode() + b"\r\n")
    _write(gold_path, b"\xef\xbb\xbf" + gold_path.read_bytes())
    qa_pred, qa_gold = xquad(pred, gold)
    _write(qa_pred, b"\xef\xbb\xbf" + qa_pred.read_bytes())
    _write(qa_gold, b"\xef\xbb\xbf" + qa_gold.read_bytes())
    xcopa_pred, xcopa_gold = xcopa(pred, gold)
    _write(xcopa_gold, b"\xef\xbb\xbf" + xcopa_gold.read_bytes())
    code, out, err = run_score(pred, gold, monkeypatch, capsys)
    assert code == 0, err
    tasks = json.loads(out)["tasks"]
    assert tasks["xnli"]["languages"]["de"] == {"accuracy": pytest.approx(75.0), "n": 4}  # 3 of 4
    assert tasks["xquad"]["languages"]["de"] == {"exact_match": pytest.approx(100.0), "f1": pytest.approx(100.0),
                                                 "n": 3}
    assert tasks["xcopa"]["languages"]["sw"] == {"accuracy": pytest.approx(100.0), "n": 4}


def test_xtreme_v1_layout_scores_the_xtreme_r_tasks_and_notes_the_rest(tmp_path, monkeypatch, capsys):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    xnli(pred, gold, n=4)
    _replace_line(pred / "xnli/test-de.tsv", 1, "neutral" if (pred / "xnli/test-de.tsv").read_text().split()[0]
                  != "neutral" else "entailment")
    tatoeba(pred, gold)
    # What XTREME (v1) prediction and label folders also hold: PAWS-X labels, BUCC pairs.
    for root in (pred, gold):
        _write(root / "pawsx/test-de.tsv", "1\n0\n")
        _write(root / "bucc2018/test-de.tsv", "de-000001\ten-000001\n")
    code, out, err = run_score(pred, gold, monkeypatch, capsys)
    assert code == 0, err
    scores = json.loads(out)
    assert set(scores["tasks"]) == {"xnli", "tatoeba"}
    assert scores["tasks"]["xnli"]["score"] == pytest.approx(75.0)
    assert scores["tasks"]["tatoeba"]["score"] == pytest.approx(100.0)
    assert err.startswith("xmix: note: skipped ")
    assert str(pred / "bucc2018") in err and str(pred / "pawsx") in err
    assert "XTREME (v1)" in err and "Traceback" not in err


def test_unknown_folder_beside_xtreme_v1_folders_is_still_refused(tmp_path, monkeypatch, capsys):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    xnli(pred, gold)
    _write(pred / "pawsx/test-de.tsv", "1\n")
    _write(pred / "paws-x/test-de.tsv", "1\n")
    code, _, err = run_score(pred, gold, monkeypatch, capsys)
    assert code == 2 and "pred/paws-x: not an XTREME-R task folder" in err
