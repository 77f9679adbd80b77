"""Hand-worked cases for evaluation.scores; the arithmetic is in the comments."""
from __future__ import annotations

import copy
import json

import pytest

from evaluation.errors import XmixError
from evaluation.scores import (
    SCHEMA,
    TASK_GROUPS,
    TASK_METRIC,
    XTREME_R_TASKS,
    build_scores,
    flat_metrics,
    language_score,
    objective,
    task_score,
    validate_scores,
)

# xnli 70 (de 80, ar 60); panx 60; xquad (de: EM 40, F1 60 -> 50; zh: EM 20, F1 40 -> 30) = 40
PARTIAL = {
    "xnli": {"de": {"accuracy": 80.0, "n": 500}, "ar": {"accuracy": 60.0, "n": 500}},
    "panx": {"de": {"f1": 60.0, "precision": 55.0, "recall": 66.0, "n": 100}},
    "xquad": {"de": {"exact_match": 40.0, "f1": 60.0, "n": 50},
              "zh": {"exact_match": 20.0, "f1": 40.0, "n": 50}},
}


def _all_ten() -> dict:
    # task i (0..9) scores 10*(i+1) in its only language: 10, 20, ..., 100
    per_task = {}
    for i, task in enumerate(XTREME_R_TASKS):
        value = 10.0 * (i + 1)
        metric = TASK_METRIC[task]
        metrics = {"exact_match": value, "f1": value} if metric == "em_f1_mean" else {metric: value}
        per_task[task] = {"xx": metrics}
    return per_task


def test_task_tables_match_xtreme_r():
    assert XTREME_R_TASKS == ("xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa",
                              "mewslix", "lareqa", "tatoeba")
    assert sorted(t for members in TASK_GROUPS.values() for t in members) == sorted(XTREME_R_TASKS)
    assert TASK_METRIC["mewslix"] == TASK_METRIC["lareqa"] == "map@20"


def test_language_score_qa_is_mean_of_em_and_f1():
    # (40 + 60) / 2 = 50
    assert language_score("mlqa", {"exact_match": 40.0, "f1": 60.0}) == pytest.approx(50.0)
    assert language_score("panx", {"f1": 61.0, "precision": 1.0, "recall": 99.0}) == pytest.approx(61.0)


def test_language_score_needs_the_task_metric():
    with pytest.raises(XmixError, match="lacks 'exact_match'"):
        language_score("xquad", {"f1": 60.0})
    with pytest.raises(XmixError, match="unknown XTREME-R task 'pawsx'"):
        language_score("pawsx", {"accuracy": 1.0})


def test_task_score_is_mean_over_languages():
    # xquad: (50 + 30) / 2 = 40
    assert task_score("xquad", PARTIAL["xquad"]) == pytest.approx(40.0)
    with pytest.raises(XmixError, match="no languages evaluated"):
        task_score("xnli", {})


def test_build_scores_partial_groups_and_missing():
    scores = build_scores(PARTIAL)
    assert scores["schema"] == SCHEMA
    assert list(scores["tasks"]) == ["xnli", "panx", "xquad"]  # benchmark order
    assert scores["tasks"]["xnli"] == {
        "metric": "accuracy", "score": pytest.approx(70.0), "languages": PARTIAL["xnli"]}
    assert scores["tasks"]["xquad"]["metric"] == "em_f1_mean"
    assert scores["tasks"]["xquad"]["score"] == pytest.approx(40.0)
    assert scores["tasks"]["panx"]["languages"]["de"]["n"] == 100  # "n" kept
    # classification: only xnli -> 70; structured: only panx -> 60; QA: only xquad -> 40
    assert scores["groups"] == {"classification": pytest.approx(70.0),
                                "structured_prediction": pytest.approx(60.0),
                                "question_answering": pytest.approx(40.0),
                                "retrieval": None}
    assert scores["xtreme_r"] == {"score": None, "missing": [
        "xcopa", "udpos", "mlqa", "tydiqa", "mewslix", "lareqa", "tatoeba"]}


def test_build_scores_all_ten_is_mean_of_task_scores():
    scores = build_scores(_all_ten())
    # (10 + 20 + ... + 100) / 10 = 550 / 10 = 55
    assert scores["xtreme_r"] == {"score": pytest.approx(55.0), "missing": []}
    # classification: xnli 10, xcopa 20 -> 15; structured: 30, 40 -> 35;
    # QA: 50, 60, 70 -> 60; retrieval: 80, 90, 100 -> 90
    assert scores["groups"] == pytest.approx({"classification": 15.0, "structured_prediction": 35.0,
                                              "question_answering": 60.0, "retrieval": 90.0})


def test_build_scores_does_not_share_caller_dicts():
    per_task = copy.deepcopy(PARTIAL)
    scores = build_scores(per_task)
    per_task["xnli"]["de"]["accuracy"] = 0.0
    assert scores["tasks"]["xnli"]["languages"]["de"]["accuracy"] == 80.0


def test_build_scores_rejects_unknown_task_and_bad_values():
    with pytest.raises(XmixError, match="unknown XTREME-R task 'pawsx'"):
        build_scores({"pawsx": {"de": {"accuracy": 1.0}}})
    with pytest.raises(XmixError, match=r"field 'xnli.de.accuracy' must be a number in \[0, 100\]"):
        build_scores({"xnli": {"de": {"accuracy": 180.0}}})
    with pytest.raises(XmixError, match=r"field 'xnli.de.n' must be a non-negative integer"):
        build_scores({"xnli": {"de": {"accuracy": 80.0, "n": 2.5}}})


def test_objective_is_mean_over_named_tasks():
    scores = build_scores(PARTIAL)
    # xnli 70, xquad 40 -> 55
    assert objective(scores, ["xnli", "xquad"]) == pytest.approx(55.0)
    assert objective(scores, ["panx"]) == pytest.approx(60.0)
    with pytest.raises(XmixError, match="no score for tatoeba"):
        objective(scores, ["xnli", "tatoeba"])
    with pytest.raises(XmixError, match="no target tasks"):
        objective(scores, [])


def test_flat_metrics_keys():
    flat = flat_metrics(build_scores(PARTIAL))
    assert flat == pytest.approx({
        "xnli/de/accuracy": 80.0, "xnli/ar/accuracy": 60.0, "xtreme_r/xnli": 70.0,
        "panx/de/f1": 60.0, "panx/de/precision": 55.0, "panx/de/recall": 66.0, "xtreme_r/panx": 60.0,
        "xquad/de/exact_match": 40.0, "xquad/de/f1": 60.0,
        "xquad/zh/exact_match": 20.0, "xquad/zh/f1": 40.0, "xtreme_r/xquad": 40.0,
        "xtreme_r/group/classification": 70.0, "xtreme_r/group/structured_prediction": 60.0,
        "xtreme_r/group/question_answering": 40.0,
    })


def test_flat_metrics_makes_map_at_20_a_valid_mlflow_name():
    # MLflow rejects "@" in metric names
    flat = flat_metrics(build_scores({"mewslix": {"de": {"map@20": 30.0}}}))
    assert flat == pytest.approx({"mewslix/de/map_at_20": 30.0, "xtreme_r/mewslix": 30.0,
                                  "xtreme_r/group/retrieval": 30.0})


def test_validate_scores_accepts_a_json_round_trip():
    for per_task in (PARTIAL, _all_ten()):
        loaded = json.loads(json.dumps(build_scores(per_task)))
        assert validate_scores(loaded, "runs/t1/scores.json") == loaded


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.update(schema="xmix.scores/0"), r"field 'schema' is 'xmix.scores/0'"),
    (lambda s: s["tasks"]["xnli"].update(metric="f1"), r"field 'tasks.xnli.metric' is 'f1'"),
    (lambda s: s["tasks"]["xnli"].update(score=71.0), r"field 'tasks.xnli.score' is 71.0, but its parts average to 70.0"),
    (lambda s: s["tasks"]["xquad"]["languages"]["de"].pop("f1"), r"field 'tasks.xquad.languages.de' lacks 'f1'"),
    (lambda s: s["tasks"]["panx"]["languages"]["de"].update(f1="60"), r"field 'tasks.panx.languages.de.f1' must be a number"),
    (lambda s: s["groups"].update(retrieval=0.0), r"field 'groups.retrieval' must be null"),
    (lambda s: s["xtreme_r"].update(missing=[]), r"field 'xtreme_r.missing'"),
    (lambda s: s["tasks"].update(pawsx={}), r"field 'tasks.pawsx' is not an XTREME-R task"),
    (lambda s: s.pop("groups"), r"top-level fields"),
])
def test_validate_scores_names_origin_and_field(edit, message):
    scores = json.loads(json.dumps(build_scores(PARTIAL)))
    edit(scores)
    with pytest.raises(XmixError, match=r"^runs/t1/scores\.json: .*" + message):
        validate_scores(scores, "runs/t1/scores.json")


def test_validate_scores_checks_the_overall_score():
    scores = json.loads(json.dumps(build_scores(_all_ten())))
    scores["xtreme_r"]["score"] = None
    with pytest.raises(XmixError, match=r"field 'xtreme_r.score' is None, but its parts average to 55"):
        validate_scores(scores, "s.json")
    with pytest.raises(XmixError, match="s.json: expected a JSON object"):
        validate_scores([], "s.json")
