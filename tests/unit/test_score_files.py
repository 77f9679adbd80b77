"""``xmix score`` (evaluation.score_files) on files generated from the real data.

Gold files are the real benchmark files (or a prefix of them); predictions are
the gold answers with known edits, so every expected number is worked out in
the comments.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evaluation.errors import XmixError
from evaluation.readers import read_squad
from evaluation.score_files import score_directories
from evaluation.scores import SCHEMA, validate_scores
from evaluation.targets.xnli import NLI_LABELS

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
pytestmark = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _head(path: Path, lines: int) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[:lines]


def _other_label(label: str) -> str:
    return NLI_LABELS[(NLI_LABELS.index(label) + 1) % len(NLI_LABELS)]


@pytest.fixture()
def pred(tmp_path):
    return tmp_path / "pred"


@pytest.fixture()
def gold(tmp_path):
    return tmp_path / "gold"


def _xnli(pred: Path, gold: Path, language: str, lines: int, wrong: int) -> None:
    """Gold: the first ``lines`` rows of the real dev file; predictions: the first ``wrong`` changed."""
    rows = _head(DATA_ROOT / f"xnli/dev-{language}.tsv", lines)
    _write(gold / f"xnli/test-{language}.tsv", "\n".join(rows) + "\n")
    labels = [row.split("\t")[-1] for row in rows]
    labels = [_other_label(label) if i < wrong else label for i, label in enumerate(labels)]
    _write(pred / f"xnli/test-{language}.tsv", "\n".join(labels) + "\n")


def test_xnli_accuracy_per_language_and_task_mean(pred, gold):
    _xnli(pred, gold, "de", 20, 5)  # 15/20 = 75
    _xnli(pred, gold, "ar", 10, 1)  # 9/10 = 90
    scores = score_directories(pred, gold)
    validate_scores(scores, "test")
    xnli = scores["tasks"]["xnli"]
    assert xnli["languages"]["de"] == {"accuracy": pytest.approx(75.0), "n": 20}
    assert xnli["languages"]["ar"] == {"accuracy": pytest.approx(90.0), "n": 10}
    assert xnli["score"] == pytest.approx(82.5)  # (75 + 90) / 2
    assert scores["schema"] == SCHEMA
    assert scores["groups"]["classification"] == pytest.approx(82.5)
    assert scores["groups"]["retrieval"] is None
    assert scores["xtreme_r"]["score"] is None and "xnli" not in scores["xtreme_r"]["missing"]


def test_gold_may_be_one_label_per_line_like_the_official_label_folder(pred, gold):
    _xnli(pred, gold, "de", 8, 2)
    rows = (gold / "xnli/test-de.tsv").read_text().splitlines()
    _write(gold / "xnli/test-de.tsv", "\n".join(r.split("\t")[-1] for r in rows) + "\n")
    assert score_directories(pred, gold)["tasks"]["xnli"]["score"] == pytest.approx(75.0)  # 6/8


def _panx_sentences(path: Path, count: int) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            if len(sentences) == count:
                break
            continue
        token, tag = line.split("\t")
        current.append((token, tag))
    return sentences


def test_panx_one_missed_entity_lowers_recall_only(pred, gold):
    sentences = _panx_sentences(DATA_ROOT / "panx/dev-de.tsv", 30)
    tags = [tag for sentence in sentences for _, tag in sentence]
    # Precondition for counting by hand: every entity opens with B- (IOB2).
    for previous, tag in zip(["O"] + tags, tags):
        assert not tag.startswith("I-") or previous[2:] == tag[2:], "an entity opens with I-"
    entities = sum(tag.startswith("B-") for tag in tags)
    assert entities >= 5
    _write(gold / "panx/test-de.tsv",
           "\n\n".join("\n".join(f"{tok}\t{tag}" for tok, tag in s) for s in sentences) + "\n")
    # Predictions: the gold tags with the first entity (its B- and following I-) set to O.
    predicted, erased = [], False
    for sentence in sentences:
        row, erasing = [], False
        for _, tag in sentence:
            if not erased and tag.startswith("B-"):
                erasing, erased = True, True
                row.append("O")
            elif erasing and tag.startswith("I-"):
                row.append("O")
            else:
                erasing = False
                row.append(tag)
        predicted.append(row)
    _write(pred / "panx/test-de.tsv", "\n\n".join("\n".join(row) for row in predicted) + "\n")
    # TP = E - 1, predicted E - 1, gold E: precision 100, recall (E-1)/E, F1 2(E-1)/(2E-1).
    metrics = score_directories(pred, gold)["tasks"]["panx"]["languages"]["de"]
    assert metrics["precision"] == pytest.approx(100.0)
    assert metrics["recall"] == pytest.approx(100 * (entities - 1) / entities)
    assert metrics["f1"] == pytest.approx(100 * 2 * (entities - 1) / (2 * entities - 1))
    assert metrics["n"] == 30


def test_udpos_perfect_predictions_on_the_real_test_file(pred, gold):
    shutil.copy(DATA_ROOT / "udpos/test-en.tsv", (gold / "udpos").mkdir(parents=True) or gold / "udpos/test-en.tsv")
    lines = (DATA_ROOT / "udpos/test-en.tsv").read_text(encoding="utf-8").splitlines()
    _write(pred / "udpos/test-en.tsv", "\n".join(l.split("\t")[-1] if l.strip() else "" for l in lines) + "\n")
    metrics = score_directories(pred, gold)["tasks"]["udpos"]["languages"]["en"]
    assert metrics["f1"] == pytest.approx(100.0) and metrics["n"] == 1000


def test_tatoeba_two_swaps_cost_four_sentences(pred, gold):
    n = len((DATA_ROOT / "tatoeba/tatoeba.deu-eng.deu").read_text(encoding="utf-8").splitlines())
    _write(gold / "tatoeba/test-deu.tsv", "\n".join(map(str, range(n))) + "\n")
    predicted = list(range(n))
    predicted[0], predicted[1], predicted[2], predicted[3] = 1, 0, 3, 2
    _write(pred / "tatoeba/test-deu.tsv", "\n".join(map(str, predicted)) + "\n")
    # (n - 4) / n with n = 1000 -> 99.6
    assert score_directories(pred, gold)["tasks"]["tatoeba"]["languages"]["deu"]["accuracy"] == pytest.approx(
        100 * (n - 4) / n)


def test_xcopa_gold_jsonl_against_tsv_predictions(pred, gold):
    shutil.copy(DATA_ROOT / "xcopa/test.sw.jsonl", (gold / "xcopa").mkdir(parents=True) or gold / "xcopa/test-sw.jsonl")
    labels = [json.loads(l)["label"] for l in (DATA_ROOT / "xcopa/test.sw.jsonl").read_text().splitlines()]
    predicted = [1 - label if i < 50 else label for i, label in enumerate(labels)]
    _write(pred / "xcopa/test-sw.tsv", "\n".join(map(str, predicted)) + "\n")
    # 450 / 500 = 90
    assert score_directories(pred, gold)["tasks"]["xcopa"]["languages"]["sw"] == {"accuracy": pytest.approx(90.0),
                                                                                   "n": 500}


def test_xquad_unrelated_answers_score_zero(pred, gold):
    shutil.copy(DATA_ROOT / "xquad/xquad.de.json", (gold / "xquad").mkdir(parents=True) or gold / "xquad/test-de.json")
    examples = read_squad(DATA_ROOT / "xquad/xquad.de.json")
    assert len(examples) == 1190
    predicted = {e.qid: ("zzqqxx" if i < 119 else e.answers[0][0]) for i, e in enumerate(examples)}
    _write(pred / "xquad/test-de.json", json.dumps(predicted, ensure_ascii=False))
    # 1071 of 1190 exactly right, 119 share no token: EM = F1 = 90
    task = score_directories(pred, gold)["tasks"]["xquad"]
    assert task["languages"]["de"] == {"exact_match": pytest.approx(90.0), "f1": pytest.approx(90.0), "n": 1190}
    assert task["score"] == pytest.approx(90.0)


def test_mlqa_chinese_partial_answer_earns_character_f1(pred, gold):
    source = DATA_ROOT / "mlqa/dev-context-zh-question-zh.json"
    shutil.copy(source, (gold / "mlqa").mkdir(parents=True) or gold / "mlqa/test-zh.json")
    examples = read_squad(source)
    # A question with one 4-character all-CJK answer: predict its first 2 characters.
    chosen = next(e for e in examples if len(e.answers) == 1 and re.fullmatch(r"[\u4e00-\u9fa5]{4}", e.answers[0][0]))
    predicted = {e.qid: e.answers[0][0] for e in examples}
    predicted[chosen.qid] = chosen.answers[0][0][:2]
    _write(pred / "mlqa/test-zh.json", json.dumps(predicted, ensure_ascii=False))
    n = len(examples)
    # chosen: EM 0; tokens are characters: precision 2/2, recall 2/4, F1 = 2/3. Others 1 and 1.
    metrics = score_directories(pred, gold)["tasks"]["mlqa"]["languages"]["zh"]
    assert metrics["exact_match"] == pytest.approx(100 * (n - 1) / n)
    assert metrics["f1"] == pytest.approx(100 * (n - 1 + 2 / 3) / n)


def test_lareqa_and_mewslix_ranking_files(pred, gold):
    _write(gold / "lareqa/test-de.json", json.dumps({"q1": ["a", "b"], "q2": ["c"]}))
    _write(pred / "lareqa/test-de.json", json.dumps({"q1": ["a", "x", "b"], "q2": ["x", "c"]}))
    _write(gold / "mewslix/test-de.json", json.dumps({"m1": ["Q1"], "m2": ["Q2"]}))
    _write(pred / "mewslix/test-de.json", json.dumps({"m1": ["Q1", "Q5"], "m2": ["Q9", "Q8", "Q2"]}))
    scores = score_directories(pred, gold)
    # q1: (1/1 + 2/3) / 2 = 5/6; q2: (1/2) / 1 = 1/2; mean 2/3
    assert scores["tasks"]["lareqa"]["languages"]["de"]["map@20"] == pytest.approx(200 / 3)
    # m1: 1; m2: 1/3; mean 2/3
    assert scores["tasks"]["mewslix"]["languages"]["de"]["map@20"] == pytest.approx(200 / 3)
    assert scores["groups"]["retrieval"] == pytest.approx(200 / 3)


# --- errors name the file ----------------------------------------------------------------

def test_missing_gold_file_is_named(pred, gold):
    _xnli(pred, gold, "de", 5, 0)
    _write(pred / "xnli/test-fr.tsv", "entailment\n")
    with pytest.raises(XmixError, match=r"gold/xnli/test-fr\.tsv: file not found"):
        score_directories(pred, gold)


def test_unknown_label_names_file_and_line(pred, gold):
    _xnli(pred, gold, "de", 5, 0)
    lines = (pred / "xnli/test-de.tsv").read_text().splitlines()
    lines[2] = "entail"
    _write(pred / "xnli/test-de.tsv", "\n".join(lines) + "\n")
    with pytest.raises(XmixError, match=r"pred/xnli/test-de\.tsv:3: unknown label 'entail'"):
        score_directories(pred, gold)


def test_length_mismatch_names_both_files_and_counts(pred, gold):
    _xnli(pred, gold, "de", 20, 0)
    _write(pred / "xnli/test-de.tsv", "\n".join((pred / "xnli/test-de.tsv").read_text().splitlines()[:19]) + "\n")
    with pytest.raises(XmixError) as error:
        score_directories(pred, gold)
    message = str(error.value)
    assert "pred/xnli/test-de.tsv has 19 labels" in message and "gold/xnli/test-de.tsv has 20" in message


def test_tag_count_mismatch_names_sentence_and_lines(pred, gold):
    _write(gold / "panx/test-de.tsv", "Berlin\tB-LOC\nist\tO\n\nJa\tO\n")
    _write(pred / "panx/test-de.tsv", "B-LOC\nO\n\nO\nO\n")
    with pytest.raises(XmixError, match=r"sentence 2: .*pred/panx/test-de\.tsv:4 has 2 tags but .*gold/panx/test-de\.tsv:4 has 1"):
        score_directories(pred, gold)


def test_qa_question_count_and_id_mismatch(pred, gold):
    shutil.copy(DATA_ROOT / "xquad/xquad.de.json", (gold / "xquad").mkdir(parents=True) or gold / "xquad/test-de.json")
    examples = read_squad(DATA_ROOT / "xquad/xquad.de.json")
    _write(pred / "xquad/test-de.json", json.dumps({e.qid: "x" for e in examples[:-1]}))
    with pytest.raises(XmixError, match=r"test-de\.json has 1189 questions but .*test-de\.json has 1190"):
        score_directories(pred, gold)
    renamed = {e.qid: "x" for e in examples[:-1]} | {"not-an-id": "x"}
    _write(pred / "xquad/test-de.json", json.dumps(renamed))
    with pytest.raises(XmixError, match=r"different ids: 1 gold id\(s\) without a prediction"):
        score_directories(pred, gold)


def test_malformed_json_names_file_and_line(pred, gold):
    _write(gold / "lareqa/test-de.json", json.dumps({"q1": ["a"]}))
    _write(pred / "lareqa/test-de.json", '{\n"q1": ["a",\n}')
    with pytest.raises(XmixError, match=r"pred/lareqa/test-de\.json:3: not valid JSON"):
        score_directories(pred, gold)


def test_unknown_task_folder_and_empty_predictions(pred, gold):
    (pred / "xnl").mkdir(parents=True)
    gold.mkdir()
    with pytest.raises(XmixError, match=r"xnl: not an XTREME-R task folder \(known: xnli, xcopa"):
        score_directories(pred, gold)
    (pred / "xnl").rmdir()
    with pytest.raises(XmixError, match="no task folders"):
        score_directories(pred, gold)


def test_cli_hook_prints_the_score_json(pred, gold):
    from sweep.cli_score import register

    _xnli(pred, gold, "de", 4, 1)  # 3/4 = 75
    app = typer.Typer()
    register(app)

    @app.command()
    def _other() -> None:  # a second command, so Typer keeps "score" as a subcommand
        pass

    result = CliRunner().invoke(app, ["score", "--predictions", str(pred), "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tasks"]["xnli"]["score"] == pytest.approx(75.0)
