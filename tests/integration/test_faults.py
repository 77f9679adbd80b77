"""Faults on purpose, on real processes: the driver SIGKILLed mid-trial, a Ray Train worker
killed mid-trial, and the DDP path (2 Train workers over gloo) that scales trials to GPUs."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]
XMIX = [sys.executable, "-m", "sweep"]


def _children(client: MlflowClient):
    experiment = client.get_experiment_by_name("xmix")
    if experiment is None:
        return []
    return client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'trial'")


def _wait_for(condition, timeout: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the sweep ended (exit {process.returncode}) before {what}:\n{err[-3000:]}")
        found = condition()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"no {what} within {timeout} s")


def _identities(process: psutil.Process) -> list[tuple[int, float]]:
    found = []
    for child in process.children(recursive=True):
        try:
            found.append((child.pid, child.create_time()))
        except psutil.Error:
            continue
    return found


def _still_up(identities) -> list[str]:
    up = []
    for pid, started in identities:
        try:
            process = psutil.Process(pid)
            if abs(process.create_time() - started) < 1e-3 and process.status() != psutil.STATUS_ZOMBIE:
                up.append(f"{pid} {process.name()}")
        except psutil.Error:
            continue
    return up


def _sweep_args(tmp_path, *extra: str) -> list[str]:
    return ["--set", f"storage.path={tmp_path / 'runs'}", "--set", f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}",
            "--set", "search.confirm=null", *extra]


def test_killed_driver_leaves_nothing_and_resume_finishes_every_trial_once(tmp_path):
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    command = [*XMIX, "sweep", "run", "configs/smoke.yaml", *_sweep_args(tmp_path, "--set", "search.concurrency=1")]
    sweep = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Mid-trial: one search trial finished, the next one running for a few seconds.
        def second_trial_running():
            if not (tmp_path / "mlflow.db").exists():
                return None
            runs = _children(client)
            running = [r for r in runs if r.info.status == "RUNNING"]
            done = [r for r in runs if r.info.status == "FINISHED"]
            return running if done and running and time.time() * 1000 - running[0].info.start_time > 3000 else None

        _wait_for(second_trial_running, 420, "a second trial running", sweep)
        left = _identities(psutil.Process(sweep.pid))
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(timeout=30)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == -signal.SIGKILL
    assert any(r.info.status == "RUNNING" for r in _children(client)), "nothing was mid-trial when the driver died"

    resumed = subprocess.run([*XMIX, "sweep", "resume", "smoke", "--storage", str(tmp_path / "runs")],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-5000:]
    assert "its last driver (pid" in resumed.stdout and "died" in resumed.stdout
    assert "sweep smoke: 3 trials finished, 0 failed" in resumed.stdout

    children = _children(client)
    seen = [(c.info.run_name, c.info.status, c.data.tags.get("xmix.trial_id"), c.data.tags.get("xmix.phase"),
             c.data.tags.get("xmix.attempts")) for c in children]
    assert len(children) == 3 and len({c.data.tags["xmix.trial_id"] for c in children}) == 3, seen
    assert all(c.info.status == "FINISHED" and c.data.tags["xmix.status"] == "finished" for c in children)
    assert not any("xmix.error" in c.data.tags for c in children)
    experiment = client.get_experiment_by_name("xmix")
    parents = client.search_runs([experiment.experiment_id], "tags.`xmix.kind` = 'sweep'")
    assert [p.info.status for p in parents] == ["FINISHED"]
    # Every process the dead driver left is gone (by pid and start time: never by name).
    assert _still_up(left) == []
    assert not (tmp_path / "runs" / "smoke" / "xmix-driver.json").exists()


def test_killed_train_worker_is_retried_in_the_same_child_run(tmp_path):
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    command = [*XMIX, "sweep", "run", "configs/smoke.yaml", *_sweep_args(
        tmp_path, "--set", "search.trials=1", "--set", "search.baselines=[uniform]",
        "--set", "resources.runner=ray_train", "--set", "resources.max_failures=1",
        "--set", "intermediate.steps=40")]
    sweep = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def train_worker():
            for process in psutil.Process(sweep.pid).children(recursive=True):
                try:
                    if "RayTrainWorker" in " ".join(process.cmdline()) and \
                            time.time() - process.create_time() > 5:
                        return process
                except psutil.Error:
                    continue
            return None

        worker = _wait_for(train_worker, 300, "a Ray Train worker", sweep)
        worker.kill()
        out, err = sweep.communicate(timeout=600)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0, err[-5000:]
    assert "1 trials finished, 0 failed" in out
    assert not worker.is_running()
    children = _children(client)
    assert len(children) == 1 and children[0].info.status == "FINISHED"
    assert children[0].data.metrics["search/xtreme_r/score"] >= 0


def test_two_ddp_workers_train_and_score(tmp_path):
    """The Ray Train path that scales to GPUs: 2 workers, gloo, the smoke plan."""
    out = tmp_path / "ddp"
    done = subprocess.run(
        [*XMIX, "train", "configs/smoke.yaml", "--out", str(out), *_sweep_args(tmp_path),
         "--set", "resources.workers_per_trial=2", "--set", "resources.cpus_per_worker=1",
         "--set", "intermediate.mixture={mnli: 0.5, pawsx.de: 0.25, mlqa.zh: 0.25, squad2: 0, hellaswag: 0}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-5000:]
    assert "Started training worker group of size 2" in done.stderr  # Ray Train's own line: DDP ran
    scores = json.loads((out / "scores.json").read_text())
    assert set(scores["tasks"]) == {"xnli", "panx", "tatoeba"}
    for task in scores["tasks"].values():
        assert all(entry["n"] > 0 for entry in task["languages"].values())
