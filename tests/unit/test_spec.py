"""Spec parsing, overrides and semantic validation: field path + reason, exit 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evaluation.errors import XmixError
from sweep.spec import apply_overrides, load_spec
from sweep.validate import build_plan
from tests.conftest import PROJECT_ROOT

SMOKE = PROJECT_ROOT / "configs" / "smoke.yaml"


def write_spec(tmp_path: Path, **changes) -> Path:
    raw = yaml.safe_load(SMOKE.read_text())
    for dotted, value in changes.items():
        apply_overrides(raw, [f"{dotted.replace('__', '.')}={yaml.safe_dump(value, default_flow_style=True).strip()}"])
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def error_of(path: Path, overrides=()) -> str:
    with pytest.raises(XmixError) as caught:
        build_plan(load_spec(path, list(overrides)))
    return str(caught.value)


@pytest.mark.parametrize("config", sorted((PROJECT_ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_validate(config, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    build_plan(load_spec(config))


def test_trials_must_be_positive(tmp_path):
    assert "search.trials: must be >= 1" in error_of(write_spec(tmp_path, search__trials=0))


def test_unknown_key_is_rejected_with_its_path(tmp_path):
    message = error_of(write_spec(tmp_path, search__trails=4))
    assert "search.trails: unknown key" in message


def test_unknown_source_names_index_and_known_sources(tmp_path):
    sources = ["mnli", "squad2", "hellaswag", "mnli.xx"]
    message = error_of(write_spec(tmp_path, intermediate__sources=sources))
    assert "intermediate.sources[3]: unknown source 'mnli.xx' (known: " in message
    assert "pawsx.de" in message


def test_language_without_data_lists_the_available_ones(tmp_path):
    message = error_of(write_spec(tmp_path), ["targets.xnli.languages=[de, xx]"])
    assert "targets.xnli.languages[1]" in message and "'xx'" in message and "available: ar, bg, de" in message


def test_tatoeba_accepts_iso_639_1(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    plan = build_plan(load_spec(SMOKE, ["targets.tatoeba.languages=[de, zh]"]))
    assert [t.languages for t in plan.targets if t.name == "tatoeba"] == [("deu", "cmn")]


def test_set_overrides_nested_values_as_yaml(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    spec = load_spec(SMOKE, ["search.trials=7", "model.num_layers=null", "intermediate.lr=1e-4"])
    assert (spec.search.trials, spec.model.num_layers, spec.intermediate.lr) == (7, None, 1e-4)


def test_malformed_set_is_an_error():
    with pytest.raises(XmixError, match="expected KEY=VALUE"):
        load_spec(SMOKE, ["search.trials"])


def test_mixture_must_sum_to_one(tmp_path):
    message = error_of(write_spec(tmp_path, intermediate__mixture={"mnli": 0.5, "squad2": 0.2}))
    assert "intermediate.mixture: weights must be >= 0 and sum to 1 (they sum to 0.7)" in message


def test_mixture_source_must_be_listed(tmp_path):
    message = error_of(write_spec(tmp_path, intermediate__mixture={"mnli": 0.5, "qqp": 0.5}))
    assert "intermediate.mixture.qqp: not in intermediate.sources" in message


def test_baseline_needs_its_group(tmp_path):
    message = error_of(write_spec(tmp_path, intermediate__sources=["mnli", "squad2"]))
    assert "non_english_only needs at least one non-English source" in message


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsearch: {trials: [1,\n")
    with pytest.raises(XmixError, match=r"bad.yaml:\d+: not valid YAML"):
        load_spec(path)


def test_mlflow_tracking_uri_environment_wins(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert load_spec(SMOKE).tracking_uri() == "http://127.0.0.1:5999"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert load_spec(SMOKE).tracking_uri() == "sqlite:///mlflow.db"


def test_cli_bad_spec_exits_2_without_traceback(tmp_path):
    bad = write_spec(tmp_path, search__trials=0)
    done = subprocess.run([sys.executable, "-m", "sweep", "validate", str(bad)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 2
    assert "search.trials: must be >= 1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_cli_missing_spec_file_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sweep", "validate", str(tmp_path / "none.yaml")],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 2 and "spec file not found" in done.stderr and "Traceback" not in done.stderr


def test_cli_validate_rejects_local_tracking_for_a_remote_cluster():
    done = subprocess.run([sys.executable, "-m", "sweep", "validate", "configs/smoke.yaml",
                           "--address", "http://10.1.2.3:8265"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "sqlite:///mlflow.db" in done.stderr and "http" in done.stderr


def test_cli_usage_error_exits_2_without_traceback():
    done = subprocess.run([sys.executable, "-m", "sweep", "validate", "configs/smoke.yaml", "--bogus"],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 2 and "No such option: --bogus" in done.stderr and "Traceback" not in done.stderr


def test_runner_auto_resolves_by_worker_count(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    assert load_spec(SMOKE).resources.resolved_runner() == "in_trial"
    several = load_spec(SMOKE, ["resources.workers_per_trial=2"])
    assert several.resources.resolved_runner() == "ray_train"
    assert load_spec(SMOKE, ["resources.runner=ray_train"]).resources.resolved_runner() == "ray_train"


def test_in_trial_runner_refuses_several_workers(tmp_path):
    message = error_of(write_spec(tmp_path, resources__workers_per_trial=2, resources__runner="in_trial"))
    assert "resources.runner: in_trial runs one worker, but workers_per_trial is 2" in message


def test_unknown_runner_lists_the_allowed_ones(tmp_path):
    message = error_of(write_spec(tmp_path, resources__runner="local"))
    assert "resources.runner" in message and "'ray_train'" in message and "'in_trial'" in message
