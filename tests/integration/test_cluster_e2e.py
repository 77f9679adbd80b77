"""End to end against real processes: `xmix submit` to a Ray head, runs on an MLflow server.

The session fixture (conftest.py, cluster_stack.py) starts `ray start --head`
and `mlflow server` on free 127.0.0.1 ports with token auth on, submits
configs/smoke.yaml and waits for the job; these tests read what it left.
"""
from __future__ import annotations

import math

import pytest
import requests
import yaml

from tests.integration.cluster_stack import Stack

pytestmark = pytest.mark.integration
BASELINES = {"english_only", "non_english_only", "uniform"}
METRIC = "search/xtreme_r/score"


def _mlflow(stack: Stack, method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, f"{stack.mlflow_url}/api/2.0/mlflow/{path}", timeout=30, **kwargs)
    assert response.ok, f"{method} {path}: {response.status_code} {response.text[:300]}"
    return response.json()


def _search(stack: Stack, experiment_id: str, query: str) -> list[dict]:
    body = {"experiment_ids": [experiment_id], "filter": query, "max_results": 1000}
    return _mlflow(stack, "POST", "runs/search", json=body).get("runs", [])


def _sweep_runs(stack: Stack) -> tuple[dict, list[dict]]:
    experiment = _mlflow(stack, "GET", "experiments/get-by-name", params={"experiment_name": "xmix"})["experiment"]
    parents = _search(stack, experiment["experiment_id"], "tags.`xmix.kind` = 'sweep' and tags.`xmix.sweep` = 'smoke'")
    assert len(parents) == 1, f"expected one parent run for sweep smoke, got {len(parents)}"
    children = _search(stack, experiment["experiment_id"],
                       f"tags.`mlflow.parentRunId` = '{parents[0]['info']['run_id']}'")
    return parents[0], children


def _as_dict(entries: list[dict] | None) -> dict:
    return {entry["key"]: entry["value"] for entry in entries or []}


def test_smoke_sweep_succeeds_on_the_ray_head(cluster_sweep: Stack):
    stack = cluster_sweep
    print(f"\nsubmit -> {stack.final_status}: {stack.submit_to_succeeded_s:.1f} s ({stack.submission_id})")
    assert stack.submission_id.startswith("xmix-smoke-"), stack.submit_output
    assert stack.final_status == "SUCCEEDED", stack.job_logs(stack.submission_id)[-4000:]
    status = stack.xmix("status", stack.submission_id, "--address", stack.dashboard_url)
    assert status.returncode == 0 and "SUCCEEDED" in status.stdout, status.stdout + status.stderr
    logs = stack.xmix("logs", stack.submission_id, "--address", stack.dashboard_url)
    assert logs.returncode == 0 and "sweep smoke: 3 trials finished, 0 failed" in logs.stdout, logs.stdout[-3000:]


def test_runs_on_the_mlflow_server(cluster_sweep: Stack):
    parent, children = _sweep_runs(cluster_sweep)
    assert parent["info"]["status"] == "FINISHED"
    assert len(children) == 3, [c["info"]["run_name"] for c in children]
    scores = []
    for child in children:
        params, metrics, tags = (_as_dict(child["data"].get(k)) for k in ("params", "metrics", "tags"))
        mixture = {k: float(v) for k, v in params.items() if k.startswith("mix/")}
        assert len(mixture) == 5 and math.isclose(sum(mixture.values()), 1.0, abs_tol=1e-6), mixture
        assert tags["xmix.kind"] == "trial" and tags["xmix.status"] == "finished", tags
        assert params["runner"] == "ray_train", params
        assert METRIC in metrics and 0 <= metrics[METRIC] <= 100, metrics
        scores.append(metrics[METRIC])
    assert {_as_dict(c["data"]["tags"])["xmix.baseline"] for c in children} == BASELINES
    best = _as_dict(parent["data"]["metrics"])[f"best/{METRIC}"]
    assert math.isclose(best, max(scores)), (best, scores)


def test_export_from_the_server_and_validate(cluster_sweep: Stack, tmp_path):
    stack = cluster_sweep
    parent, children = _sweep_runs(stack)
    out = tmp_path / "best.yaml"
    exported = stack.xmix("export", "smoke", "--out", str(out), "--tracking-uri", stack.mlflow_url)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    best_child = max(children, key=lambda c: _as_dict(c["data"]["metrics"])[METRIC])
    mixture = yaml.safe_load(out.read_text())["intermediate"]["mixture"]
    expected = {k[4:]: float(v) for k, v in _as_dict(best_child["data"]["params"]).items() if k.startswith("mix/")}
    assert mixture == pytest.approx(expected), (mixture, expected)
    validated = stack.xmix("validate", str(out))
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_failed_job_unknown_id_and_stop(cluster_sweep: Stack):
    """`xmix status` exits 1 with the failed job's last lines; unknown id 2; `xmix stop` stops."""
    stack = cluster_sweep
    headers = stack.headers
    submit = f"{stack.dashboard_url}/api/jobs/"
    # Jobs submitted straight through the REST API: a sweep whose spec is missing fails in seconds.
    failing = requests.post(submit, headers=headers, timeout=30, json={
        "entrypoint": "xmix sweep run configs/no-such-spec.yaml"}).json()["submission_id"]
    assert stack.wait_job(failing, 120) == "FAILED"
    status = stack.xmix("status", failing, "--address", stack.dashboard_url)
    assert status.returncode == 1, status.stdout + status.stderr
    assert "FAILED" in status.stdout and "no-such-spec.yaml: spec file not found" in status.stderr, status.stderr

    unknown = stack.xmix("status", "xmix-nope-20000101-000000-0000", "--address", stack.dashboard_url)
    assert unknown.returncode == 2 and "no job" in unknown.stderr, unknown.stderr

    sleeper = requests.post(submit, headers=headers, timeout=30, json={"entrypoint": "sleep 300"}).json()
    sleeper_id = sleeper["submission_id"]
    stopped = stack.xmix("stop", sleeper_id, "--address", stack.dashboard_url)
    assert stopped.returncode == 0 and "stop requested" in stopped.stdout, stopped.stdout + stopped.stderr
    assert stack.wait_job(sleeper_id, 60) == "STOPPED"


def test_unreachable_address_fails_fast_with_the_url(cluster_sweep: Stack):
    from tests.integration.cluster_stack import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    result = cluster_sweep.xmix("submit", "configs/smoke.yaml", "--address", dead, timeout_s=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert dead in result.stderr and "/api/version" in result.stderr and "Traceback" not in result.stderr
