"""configs/smoke.yaml through the CLI on a local Ray: the MLflow layout, item by item,
then export, validate and re-run the best mixture."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.integration
BASELINES = {"english_only", "non_english_only", "uniform"}


def xmix(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sweep", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"xmix {' '.join(args)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return done


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smoke")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    done = xmix("sweep", "run", "configs/smoke.yaml", "--set", f"storage.path={folder / 'runs'}",
                "--set", f"tracking.uri={uri}")
    return {"folder": folder, "uri": uri, "stdout": done.stdout, "stderr": done.stderr, "client": MlflowClient(uri)}


def runs_of(sweep, phase="search"):
    client = sweep["client"]
    experiment = client.get_experiment_by_name("xmix")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parents = [r for r in runs if r.data.tags.get("xmix.kind") == "sweep"]
    children = [r for r in runs if r.data.tags.get("xmix.kind") == "trial" and r.data.tags.get("xmix.phase") == phase]
    return parents, children


def artifact_json(sweep, run_id, name):
    return json.loads(Path(sweep["client"].download_artifacts(run_id, name, str(sweep["folder"]))).read_text())


def test_cli_prints_where_to_look(sweep):
    out = sweep["stdout"]
    assert "sweep smoke: 3 trials finished, 0 failed" in out
    assert "mlflow ui --backend-store-uri " + sweep["uri"] in out
    assert "best by search objective: " in out
    # The verdict table replaces a bare "best" line.
    assert "best_mixed vs english_only" in out or "uniform vs english_only" in out
    assert "english_only vs non_english_only" in out
    # The summary reads each trial's scores.json; MLflow's per-download bars stay out of the terminal.
    assert "Downloading artifacts" not in out + sweep["stderr"]


def test_parent_run_layout(sweep):
    parents, children = runs_of(sweep)
    assert len(parents) == 1
    parent = parents[0]
    assert parent.info.run_name == "smoke" and parent.info.status == "FINISHED"
    tags = parent.data.tags
    assert tags["xmix.sweep"] == "smoke"
    assert len(tags["xmix.git_commit"]) in (40, 7) or tags["xmix.git_commit"] == "unknown"
    assert len(tags["xmix.spec_sha256"]) == 64
    params = parent.data.params
    assert params["search.trials"] == "3" and params["model.num_layers"] == "2"
    assert params["resources.workers_per_trial"] == "1" and params["resources.runner"] == "auto"
    best = max(c.data.metrics["search/xtreme_r/score"] for c in children)
    assert parent.data.metrics["best/search/xtreme_r/score"] == pytest.approx(best)
    assert tags["xmix.zero_shot"] == "strict"
    artifacts = {a.path for a in sweep["client"].list_artifacts(parent.info.run_id)}
    assert {"spec.yaml", "verdict.json", "verdict.md", "verdict.png"} <= artifacts
    # 2 trials besides english_only: fewer than the 3 the lexsim permutation test needs.
    assert "analysis/gain_vs_lexsim/n_trials" not in parent.data.metrics


def test_confirmation_runs_and_verdict(sweep):
    parents, confirms = runs_of(sweep, "confirm")
    # uniform is the only mixed-language search trial: baselines x 2 fresh seeds
    assert len(confirms) == 6
    assert sorted((c.data.tags["xmix.label"], c.data.tags["xmix.seed"]) for c in confirms) == sorted(
        (label, seed) for label in BASELINES for seed in ("1000", "1001"))
    for run in confirms:
        assert run.info.status == "FINISHED" and run.data.tags["xmix.status"] == "finished"
        metrics = run.data.metrics
        assert 0 <= metrics["report/xtreme_r/score"] <= 100
        assert not any(k.startswith("search/") for k in metrics)  # report sets only
        units = artifact_json(sweep, run.info.run_id, "units.json")
        assert len(units["xnli"]["de"]) == 16 and len(units["panx"]["ar"][0]) == 3  # (tp, fp, fn) rows
    verdict = artifact_json(sweep, parents[0].info.run_id, "verdict.json")
    assert verdict["schema"] == "xmix.verdict/1" and verdict["seeds"] == [1000, 1001]
    comparisons = {(r["level"], r["comparison"]) for r in verdict["rows"]}
    assert ("objective", "english_only vs non_english_only") in comparisons
    assert all(r["word"] in ("better", "worse", "no difference detected") for r in verdict["rows"])


def test_one_child_run_per_trial_with_the_baselines(sweep):
    parents, children = runs_of(sweep)
    assert len(children) == 3
    assert {c.data.tags["xmix.baseline"] for c in children} == BASELINES
    trial_ids = {c.data.tags["xmix.trial_id"] for c in children}
    assert len(trial_ids) == 3
    for child in children:
        assert child.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
        assert child.data.tags["xmix.sweep"] == "smoke"
        assert child.data.tags["xmix.status"] == "finished" and child.info.status == "FINISHED"
        assert child.info.run_name == child.data.tags["xmix.baseline"]  # readable names


def test_child_params_metrics_and_artifacts(sweep):
    client = sweep["client"]
    _, children = runs_of(sweep)
    for child in children:
        mix = {k[4:]: float(v) for k, v in child.data.params.items() if k.startswith("mix/")}
        assert set(mix) == {"mnli", "squad2", "hellaswag", "pawsx.de", "mlqa.zh"}
        assert math.isclose(sum(mix.values()), 1.0, abs_tol=1e-9)
        english = mix["mnli"] + mix["squad2"] + mix["hellaswag"]
        assert english == pytest.approx(float(child.data.params["english_share"]))
        assert child.data.params["runner"] == "in_trial"  # resources.runner auto, one worker
        assert child.data.params["seeds"] == "0"
        metrics = child.data.metrics
        for key in ("xnli/de/accuracy", "xnli/zh/accuracy", "panx/de/f1", "panx/ar/f1",
                    "tatoeba/deu/accuracy", "tatoeba/cmn/accuracy"):
            assert 0 <= metrics[f"search/{key}"] <= 100, key
        assert not any(k.startswith("report/") for k in metrics)  # the report sets stay held out
        tasks = [metrics[f"search/xtreme_r/{t}"] for t in ("xnli", "panx", "tatoeba")]
        assert metrics["search/xtreme_r/score"] == pytest.approx(sum(tasks) / 3)
        assert "pad_share" in metrics
        assert child.data.tags["xmix.objective_tasks"] == "xnli,panx,tatoeba"
        for key in ("lexsim/xnli/de", "lexsim/panx/ar", "lexsim/tatoeba/cmn"):
            assert 0 < metrics[key] <= 100, key
        losses = client.get_metric_history(child.info.run_id, "intermediate/loss")
        assert [m.step for m in losses] == [6] and all(m.value > 0 for m in losses)
        for task in ("xnli", "panx"):  # stage-2 loss curves, one per target that fine-tunes
            assert [m.step for m in client.get_metric_history(child.info.run_id, f"stage2/{task}/loss")] == [4]
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"spec.yaml", "scores.json"} <= artifacts
        folder = client.download_artifacts(child.info.run_id, "scores.json", str(sweep["folder"]))
        scores = json.loads(Path(folder).read_text())
        assert scores["schema"] == "xmix.scores/1"
        assert scores["tasks"]["xnli"]["languages"]["de"]["n"] == 16
        assert scores["xtreme_r"]["score"] is None and "xquad" in scores["xtreme_r"]["missing"]


def test_export_validates_and_reruns_to_the_same_score(sweep):
    folder = sweep["folder"]
    best_yaml = folder / "best.yaml"
    xmix("export", "smoke", "--out", str(best_yaml), "--tracking-uri", sweep["uri"])
    exported = yaml.safe_load(best_yaml.read_text())
    _, children = runs_of(sweep)
    best = max(children, key=lambda c: c.data.metrics["search/xtreme_r/score"])
    provenance = exported["provenance"]
    assert provenance["mlflow_run_id"] == best.info.run_id
    assert provenance["trial_id"] == best.data.tags["xmix.trial_id"]
    assert provenance["score"] == pytest.approx(best.data.metrics["search/xtreme_r/score"])
    assert provenance["sweep"] == "smoke" and provenance["git_commit"]
    mixture = exported["intermediate"]["mixture"]
    assert mixture == pytest.approx({k[4:]: float(v) for k, v in best.data.params.items() if k.startswith("mix/")})
    xmix("validate", str(best_yaml))
    out = folder / "rerun"
    xmix("train", str(best_yaml), "--out", str(out))
    rerun = json.loads((out / "scores-search.json").read_text())
    objective = sum(t["score"] for t in rerun["tasks"].values()) / len(rerun["tasks"])
    # Same seed, same mixture, same CPU kernels: the re-run reproduces the trial.
    assert objective == pytest.approx(provenance["score"], abs=1e-6)
    report = json.loads((out / "scores.json").read_text())  # and scores the held-out report sets
    assert report["schema"] == "xmix.scores/1" and report["tasks"]["xnli"]["languages"]["de"]["n"] == 16
