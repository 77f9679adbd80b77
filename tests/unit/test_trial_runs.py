"""One MLflow child run per trial, however often the trial starts (a real sqlite store)."""
from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from sweep import tracking

PARAMS = {"mix/mnli": "0.5", "mix/kornli": "0.5", "english_share": "0.5"}
TAGS = {tracking.PHASE: tracking.SEARCH_PHASE, tracking.LABEL: "uniform"}


@pytest.fixture()
def sweep(tmp_path):
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    parent = tracking.start_sweep_run(client, "xmix", "probe", {"search": {}, "model": {}, "resources": {}, "data": {}},
                                      "name: probe\n", "0" * 64)
    return client, parent


def _start(client, parent, trial_id, name="uniform", params=PARAMS):
    return tracking.start_trial_run(client, parent, run_name=name, trial_id=trial_id, tags=TAGS, params=params)


def _children(client, parent):
    return client.search_runs([client.get_run(parent).info.experiment_id],
                              f"tags.`mlflow.parentRunId` = '{parent}'")


def test_a_restarted_trial_keeps_its_run_and_loses_its_stale_error(sweep):
    client, parent = sweep
    run_id, finished = _start(client, parent, "aaaa")
    tracking.fail_run(client, run_id, "SystemExit: 0", status="KILLED")
    again, finished = _start(client, parent, "aaaa")
    run = client.get_run(again)
    assert again == run_id and finished is None
    assert run.info.status == "RUNNING" and run.data.tags[tracking.ATTEMPTS] == "2"
    assert tracking.ERROR not in run.data.tags


def test_a_trial_tune_had_not_saved_adopts_the_killed_run_of_its_first_start(sweep):
    client, parent = sweep
    run_id, _ = _start(client, parent, "aaaa")
    tracking.fail_run(client, run_id, None, status="KILLED")  # what recovery does for a dead driver
    again, finished = _start(client, parent, "bbbb")  # proposed again under a new trial id
    run = client.get_run(again)
    assert again == run_id and finished is None and len(_children(client, parent)) == 1
    assert run.data.tags[tracking.TRIAL_ID] == "bbbb" and run.data.tags[tracking.EARLIER_IDS] == "aaaa"


def test_a_trial_that_had_finished_reports_its_run_instead_of_training_again(sweep):
    client, parent = sweep
    run_id, _ = _start(client, parent, "aaaa")
    tracking.finish_trial_run(client, run_id, {"search/xtreme_r/score": 41.5}, {}, {}, "name: probe\n")
    again, finished = _start(client, parent, "bbbb")
    assert again == run_id and finished["search/xtreme_r/score"] == 41.5
    assert client.get_run(run_id).info.status == "FINISHED"


def test_another_mixture_or_a_live_run_under_the_same_name_is_not_adopted(sweep):
    client, parent = sweep
    killed, _ = _start(client, parent, "aaaa")
    tracking.fail_run(client, killed, None, status="KILLED")
    other, _ = _start(client, parent, "bbbb", params={**PARAMS, "mix/mnli": "0.25"})
    running, _ = _start(client, parent, "cccc", name="t01 en=0.50")
    fresh, _ = _start(client, parent, "dddd", name="t01 en=0.50")
    assert len({killed, other, running, fresh}) == 4 and len(_children(client, parent)) == 4
