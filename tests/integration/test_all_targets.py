"""``xmix train configs/smoke_all_targets.yaml`` through the CLI: every offline target scored.

Real model, real data, real Ray Train (one worker); a few minutes on 2 CPUs.
The targets expected are those with data under the data root in any split:
nine offline (TyDiQA through its held-out train files; Mewsli-X has none), ten
where Mewsli-X's files are present and the spec names it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evaluation.scores import validate_scores
from evaluation.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "configs" / "smoke_all_targets.yaml"
DATA_ROOT = Path(os.environ.get("XMIX_DATA") or ROOT.parent / "shared" / "data")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,  # ~4 min: run by .ci/run after `make test` (make test-slow)
    pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}"),
]


def test_smoke_all_targets_scores_every_offline_target(tmp_path):
    out = tmp_path / "all"
    xmix = Path(sys.executable).with_name("xmix")
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    result = subprocess.run([str(xmix), "train", str(SPEC), "--out", str(out),
                             "--set", f"storage.path={tmp_path / 'runs'}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    scores = validate_scores(json.loads((out / "scores.json").read_text(encoding="utf-8")), str(out))

    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    offline = {name for name in TARGETS.names()
               if any(TARGETS.get(name).available_languages(DATA_ROOT, split) for split in TARGETS.get(name).splits)}
    assert set(spec["targets"]) == offline, "the smoke spec must name every target with offline data"
    assert set(scores["tasks"]) == offline
    assert len(scores["tasks"]) >= 9
    for task, entry in scores["tasks"].items():
        wanted = [TARGETS.get(task).canonical_language(lang) for lang in spec["targets"][task]["languages"]]
        assert sorted(entry["languages"]) == sorted(wanted), task
        for language, metrics in entry["languages"].items():
            assert 0 < metrics["n"] <= spec["targets"][task]["eval_cap"], (task, language)
            assert all(0.0 <= v <= 100.0 for k, v in metrics.items() if k != "n"), (task, language)
    assert scores["groups"]["retrieval"] is not None and scores["groups"]["question_answering"] is not None
    assert scores["xtreme_r"]["score"] is None
    assert set(scores["xtreme_r"]["missing"]) == {"mewslix"} - offline
