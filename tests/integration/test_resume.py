"""Interrupt a real sweep in its search phase, resume it and interrupt it again in its
confirmation phase, resume again: no finished run happens twice, and every trial has
exactly one MLflow child run."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BASELINES = {"english_only", "non_english_only", "uniform"}


def finished_children(client: MlflowClient, phase: str):
    experiment = client.get_experiment_by_name("xmix")
    if experiment is None:
        return []
    return client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'trial' and "
                              f"tags.`xmix.status` = 'finished' and tags.`xmix.phase` = '{phase}'")


def interrupt_after_first(command: list[str], client: MlflowClient, tmp_path, phase: str):
    """Run ``command`` until one ``phase`` run has finished, then Ctrl-C it."""
    before = len(finished_children(client, phase)) if (tmp_path / "mlflow.db").exists() else 0
    sweep = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and sweep.poll() is None:
            if (tmp_path / "mlflow.db").exists() and len(finished_children(client, phase)) > before:
                break
            time.sleep(2)
        assert sweep.poll() is None, f"the sweep ended before it could be interrupted in its {phase} phase"
        finished = finished_children(client, phase)
        sweep.send_signal(signal.SIGINT)  # Ctrl-C: Tune saves its state and stops
        out, err = sweep.communicate(timeout=180)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 1, err[-3000:]
    # Ray actors' own log lines (prefixed "(Name pid=N)") are not ours to judge.
    assert "Traceback" not in "\n".join(line for line in err.splitlines() if "pid=" not in line)
    return finished, err


def test_interrupted_sweep_resumes_in_both_phases_without_rerunning(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    storage = tmp_path / "runs"
    client = MlflowClient(uri)
    run = [sys.executable, "-m", "sweep", "sweep", "run", "configs/smoke.yaml", "--set", "search.concurrency=1",
           "--set", f"storage.path={storage}", "--set", f"tracking.uri={uri}"]
    resume = [sys.executable, "-m", "sweep", "sweep", "resume", "smoke", "--storage", str(storage)]

    first_search, err = interrupt_after_first(run, client, tmp_path, "search")
    assert len(first_search) == 1
    assert f"xmix sweep resume smoke --storage {storage}" in err
    first_confirm, _ = interrupt_after_first(resume, client, tmp_path, "confirm")
    assert len(first_confirm) >= 1

    resumed = subprocess.run(resume, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-5000:]
    assert "sweep smoke: 3 trials finished, 0 failed" in resumed.stdout
    assert "english_only vs non_english_only" in resumed.stdout  # the verdict

    experiment = client.get_experiment_by_name("xmix")
    children = client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'trial'")
    search = [c for c in children if c.data.tags["xmix.phase"] == "search"]
    confirm = [c for c in children if c.data.tags["xmix.phase"] == "confirm"]
    assert len(search) == 3 and {c.data.tags["xmix.baseline"] for c in search} == BASELINES
    assert len(confirm) == 6  # 3 configurations x 2 seeds, none twice
    assert len({(c.data.tags["xmix.label"], c.data.tags["xmix.seed"]) for c in confirm}) == 6
    assert len({c.data.tags["xmix.trial_id"] for c in children}) == 9
    assert all(c.data.tags["xmix.status"] == "finished" for c in children)
    for first in (*first_search, *first_confirm):  # the finished runs did not run again
        assert client.get_run(first.info.run_id).info.end_time == first.info.end_time
    parents = client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'sweep'")
    assert len(parents) == 1 and parents[0].data.tags["xmix.resumed"] == "true"
    assert parents[0].info.status == "FINISHED"
    assert "verdict.json" in {a.path for a in client.list_artifacts(parents[0].info.run_id)}
