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


def runs_of(sweep):
    client = sweep["client"]
    experiment = client.get_experiment_by_name("xmix")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parents = [r for r in runs if r.data.tags.get("xmix.kind") == "sweep"]
    children = [r for r in runs if r.data.tags.get("xmix.kind") == "trial"]
    return parents, children


def test_cli_prints_where_to_look(sweep):
    out = sweep["stdout"]
    assert "sweep smoke: 3 trials finished, 0 failed" in out
    assert "mlflow ui --backend-store-uri " + sweep["uri"] in out
    assert "best mixture: " in out
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
    best = max(c.data.metrics["xtreme_r/score"] for c in children)
    assert parent.data.metrics["best/xtreme_r/score"] == pytest.approx(best)
    artifacts = {a.path for a in sweep["client"].list_artifacts(parent.info.run_id)}
    assert {"spec.yaml", "gain_vs_lexsim.png"} <= artifacts
    # 2 trials besides english_only x 6 (task, language) pairs
    assert parent.data.metrics["analysis/gain_vs_lexsim_n"] == 12
    if "analysis/gain_vs_lexsim_spearman" in parent.data.metrics:
        assert -1 <= parent.data.metrics["analysis/gain_vs_lexsim_spearman"] <= 1


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
        assert child.info.run_name.startswith("run_trial_") and child.data.tags["xmix.trial_id"] in child.info.run_name


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
        metrics = child.data.metrics
        for key in ("xnli/de/accuracy", "xnli/zh/accuracy", "panx/de/f1", "panx/ar/f1",
                    "tatoeba/deu/accuracy", "tatoeba/cmn/accuracy"):
            assert 0 <= metrics[key] <= 100, key
        tasks = [metrics[f"xtreme_r/{t}"] for t in ("xnli", "panx", "tatoeba")]
        assert metrics["xtreme_r/score"] == pytest.approx(sum(tasks) / 3)
        assert child.data.tags["xmix.objective_tasks"] == "xnli,panx,tatoeba"
        for key in ("lexsim/xnli/de", "lexsim/panx/ar", "lexsim/tatoeba/cmn"):
            assert 0 < metrics[key] <= 100, key
        losses = client.get_metric_history(child.info.run_id, "train/loss")
        assert [m.step for m in losses] == [6] and all(m.value > 0 for m in losses)
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
    best = max(children, key=lambda c: c.data.metrics["xtreme_r/score"])
    provenance = exported["provenance"]
    assert provenance["mlflow_run_id"] == best.info.run_id
    assert provenance["trial_id"] == best.data.tags["xmix.trial_id"]
    assert provenance["score"] == pytest.approx(best.data.metrics["xtreme_r/score"])
    assert provenance["sweep"] == "smoke" and provenance["git_commit"]
    mixture = exported["intermediate"]["mixture"]
    assert mixture == pytest.approx({k[4:]: float(v) for k, v in best.data.params.items() if k.startswith("mix/")})
    xmix("validate", str(best_yaml))
    out = folder / "rerun"
    xmix("train", str(best_yaml), "--out", str(out))
    rerun = json.loads((out / "scores.json").read_text())
    objective = sum(t["score"] for t in rerun["tasks"].values()) / len(rerun["tasks"])
    # Same seed, same mixture, same CPU kernels: the re-run reproduces the trial.
    assert objective == pytest.approx(provenance["score"], abs=1e-6)
