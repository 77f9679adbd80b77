"""Interrupt a real sweep after its first trial, resume it: no finished trial runs
again, and every trial has exactly one MLflow child run."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def finished_children(client: MlflowClient):
    experiment = client.get_experiment_by_name("xmix")
    if experiment is None:
        return []
    return client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'trial' and tags.`xmix.status` = 'finished'")


def test_interrupted_sweep_resumes_without_rerunning(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    storage = tmp_path / "runs"
    command = [sys.executable, "-m", "sweep", "sweep", "run", "configs/smoke.yaml", "--set", "search.concurrency=1",
               "--set", f"storage.path={storage}", "--set", f"tracking.uri={uri}"]
    sweep = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client = MlflowClient(uri)
    try:
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and sweep.poll() is None:
            if (tmp_path / "mlflow.db").exists() and finished_children(client):
                break
            time.sleep(2)
        assert sweep.poll() is None, "the sweep ended before it could be interrupted"
        first = finished_children(client)
        assert len(first) == 1
        sweep.send_signal(signal.SIGINT)  # Ctrl-C: Tune saves its state and stops
        out, err = sweep.communicate(timeout=180)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 1, err[-3000:]
    assert f"xmix sweep resume smoke --storage {storage}" in err
    # Ray actors' own log lines (prefixed "(Name pid=N)") are not ours to judge.
    assert "Traceback" not in "\n".join(line for line in err.splitlines() if "pid=" not in line)

    resumed = subprocess.run([sys.executable, "-m", "sweep", "sweep", "resume", "smoke", "--storage", str(storage)],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-5000:]
    assert "sweep smoke: 3 trials finished, 0 failed" in resumed.stdout

    experiment = client.get_experiment_by_name("xmix")
    children = client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'trial'")
    assert len(children) == 3 and len({c.data.tags["xmix.trial_id"] for c in children}) == 3
    assert {c.data.tags["xmix.baseline"] for c in children} == {"english_only", "non_english_only", "uniform"}
    assert all(c.data.tags["xmix.status"] == "finished" for c in children)
    again = client.get_run(first[0].info.run_id)
    assert again.info.end_time == first[0].info.end_time  # the finished trial did not run again
    parents = client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'sweep'")
    assert len(parents) == 1 and parents[0].data.tags["xmix.resumed"] == "true"
    assert parents[0].info.status == "FINISHED"
