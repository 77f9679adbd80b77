"""Degenerate targets and the zero-shot tags, on a real MLflow store (SQLite in tmp_path)."""
from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from evaluation.examples import Format
from sweep import tracking
from sweep.outcome import degenerate_warnings, zero_shot_tags
from training.loop import one_answer


def test_one_answer_for_every_example_is_a_collapse():
    assert one_answer(Format.CLASSIFICATION, [2, 2, 2, 2])
    assert not one_answer(Format.CLASSIFICATION, [2, 0, 2, 2])
    assert one_answer(Format.TAGGING, [["O", "O"], ["O"], ["O", "O", "O"]])  # no entity anywhere
    assert not one_answer(Format.TAGGING, [["O", "B-PER"], ["O"]])
    assert not one_answer(Format.RETRIEVAL, [0])  # one example says nothing


@pytest.fixture
def store(tmp_path):
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = tracking.experiment_id(client, "xmix-test")
    parent = client.create_run(experiment, run_name="sweep", tags={tracking.KIND: "sweep"}).info.run_id

    def child(phase, metrics, degenerate=""):
        tags = {"mlflow.parentRunId": parent, tracking.PHASE: phase, tracking.STATUS: "finished"}
        if degenerate:
            tags[tracking.DEGENERATE] = degenerate
        run_id = client.create_run(experiment, run_name=phase, tags=tags).info.run_id
        tracking.log_batch(client, run_id, metrics=metrics)
        client.set_terminated(run_id, "FINISHED")

    child("search", {"search/xnli/de/accuracy": 37.0, "search/panx/de/f1": 20.0}, "search/xnli/de")
    child("search", {"search/xnli/de/accuracy": 37.0, "search/panx/de/f1": 25.0})
    child("confirm", {"report/xnli/de/accuracy": 33.0}, "report/panx/de")
    return client, parent


def test_degenerate_targets_are_warned_and_tagged_on_the_parent(store):
    client, parent = store
    lines = degenerate_warnings(client, parent)
    assert "degenerate: xnli/de gave one answer for every example in 1 of 2 search runs" in lines
    assert "degenerate: xnli/de scored 37.00 in every one of 2 search trials" in lines
    assert "degenerate: panx/de gave one answer for every example in 1 of 1 confirm runs" in lines
    assert not any("panx/de scored" in line for line in lines)  # it moved between trials
    assert client.get_run(parent).data.tags[tracking.DEGENERATE] == "panx/de,xnli/de"


def test_zero_shot_tags_name_the_setting_and_its_clashes():
    assert zero_shot_tags([]) == {"xmix.zero_shot": "strict"}
    tags = zero_shot_tags(["intermediate.sources[5]: ocnli.zh is NLI in zh and targets.xnli evaluates zh: ..."])
    assert tags["xmix.zero_shot"] == "in-language target task allowed"
    assert "ocnli.zh is NLI in zh" in tags["xmix.zero_shot_clashes"]
