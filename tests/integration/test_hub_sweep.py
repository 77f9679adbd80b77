"""The smoke sweep with ``data.source: hub``, pointed at an offline mirror of the hub built
from the local data, end to end: every trial scores what the same sweep scores on the
local layout, and the parent run records the datasets and revisions it read."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from mlflow.tracking import MlflowClient

from evaluation.hub import bindings_of
from sweep.data_source import folders_of_source, folders_of_target
from tests.conftest import DATA_ROOT, PROJECT_ROOT
from tests.hub_mirror import build_mirror

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SOURCES = ("mnli", "squad2", "hellaswag", "pawsx.de", "mlqa.zh")
TARGETS = ("xnli", "panx", "tatoeba")


def _sweep(folder, *extra):
    done = subprocess.run(
        [sys.executable, "-m", "sweep", "sweep", "run", "configs/smoke.yaml", "--set", "search.confirm=null",
         "--set", f"storage.path={folder / 'runs'}", "--set", f"tracking.uri=sqlite:///{folder / 'mlflow.db'}",
         *extra], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "HF_DATASETS_CACHE": str(folder / "hf")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    client = MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("xmix")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.data.tags.get("xmix.kind") == "sweep")
    children = {r.info.run_name: r for r in runs if r.data.tags.get("xmix.kind") == "trial"}
    return done, client, parent, children


def test_smoke_sweep_on_the_hub_scores_what_it_scores_on_the_local_layout(tmp_path):
    folders = set().union(*map(folders_of_source, SOURCES), *map(folders_of_target, TARGETS))
    mirror = build_mirror(DATA_ROOT, tmp_path / "mirror", bindings_of(folders))
    (tmp_path / "local").mkdir()
    (tmp_path / "hub").mkdir()
    _, _, _, local = _sweep(tmp_path / "local")
    done, client, parent, hub = _sweep(tmp_path / "hub", "--set", "data.source=hub",
                                       "--set", f"data.hub_mirror={mirror}",
                                       "--set", f"data.cache={tmp_path / 'cache'}")
    assert "data: writing" in done.stdout
    assert sorted(hub) == sorted(local) and len(hub) == 3
    compared, worst = 0, 0.0
    for name, run in hub.items():
        scores = {k: v for k, v in run.data.metrics.items() if k.startswith(("search/", "lexsim/"))}
        expected = {k: v for k, v in local[name].data.metrics.items() if k.startswith(("search/", "lexsim/"))}
        assert scores.keys() == expected.keys() and scores
        compared += len(scores)
        worst = max(worst, *(abs(scores[k] - expected[k]) for k in scores))
    print(f"hub vs local: {compared} metrics of {len(hub)} trials, max abs difference {worst}")
    assert worst <= 1e-6
    assert parent.data.params["data.source"] == "hub"
    assert parent.data.params["data.hub.nyu-mll/glue"].startswith("sha256:")
    manifest = client.download_artifacts(parent.info.run_id, "data-manifest.json", str(tmp_path))
    assert "mnli/train.first4000.json" in open(manifest).read()
