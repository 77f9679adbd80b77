"""sweep.analysis against a real MLflow tracking store (SQLite in tmp_path, no server)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from sweep import tracking
from sweep.analysis import gain_vs_lexsim, language_score, log_gain_vs_lexsim

# (lexsim, score) per trial for four cells; english_only first. The score metrics are
# written as MLflow names: map@20 -> map_at_20, QA as exact_match and f1.
TRIALS = {
    # name:            baseline,           tatoeba/deu  xnli/de      mlqa/de (lexsim, em, f1)  lareqa/ar
    "english_only":     ("english_only",     (10.0, 40.0), (20.0, 50.0), (30.0, 20.0, 40.0), (5.0, 10.0)),
    "non_english_only": ("non_english_only", (30.0, 48.0), (25.0, 50.0), (34.0, 22.0, 42.0), (9.0, 12.0)),
    "uniform":          ("uniform",          (20.0, 44.0), (22.0, 50.0), (31.0, 25.0, 45.0), (7.0, 9.0)),
    "trial-0003":       ("none",             (15.0, 42.0), (21.0, 50.0), (35.0, 21.0, 41.0), (6.0, 13.0)),
    "trial-0004":       ("none",             (25.0, 46.0), (23.0, 50.0), (32.0, 26.0, 44.0), (8.0, 11.0)),
}


def _metrics(cells) -> dict[str, float]:
    tatoeba, xnli, mlqa, lareqa = cells
    return {"lexsim/tatoeba/deu": tatoeba[0], "search/tatoeba/deu/accuracy": tatoeba[1],
            "lexsim/xnli/de": xnli[0], "search/xnli/de/accuracy": xnli[1],
            "lexsim/mlqa/de": mlqa[0], "search/mlqa/de/exact_match": mlqa[1], "search/mlqa/de/f1": mlqa[2],
            "lexsim/lareqa/ar": lareqa[0], "search/lareqa/ar/map_at_20": lareqa[1],
            "search/xtreme_r/score": 40.0}


@pytest.fixture
def sweep_store(tmp_path):
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = tracking.experiment_id(client, "xmix-test")  # artifacts beside the database
    parent = client.create_run(experiment, run_name="sweep", tags={tracking.KIND: "sweep"}).info.run_id

    def child(name, baseline, metrics, phase="search"):
        run_id = client.create_run(experiment, run_name=name, tags={
            "mlflow.parentRunId": parent, tracking.BASELINE: baseline, tracking.PHASE: phase,
            tracking.STATUS: "finished"}).info.run_id
        tracking.log_batch(client, run_id, metrics=metrics)
        client.set_terminated(run_id, "FINISHED")

    for name, (baseline, *cells) in TRIALS.items():
        child(name, baseline, _metrics(cells))
    # A confirmation run is not a search trial: it must not count.
    child("confirm-english_only-s7", "english_only", _metrics(TRIALS["uniform"][1:]), phase="confirm")
    return client, experiment, parent


def _children(client, experiment, parent):
    return client.search_runs([experiment], f"tags.`mlflow.parentRunId` = '{parent}'")


def test_logs_per_cell_and_summary_metrics_and_both_artifacts(sweep_store, tmp_path):
    client, experiment, parent = sweep_store
    result = log_gain_vs_lexsim(client, parent, _children(client, experiment, parent))

    assert result["n_trials"] == 4  # the non-baseline search trials, not trials x languages
    # tatoeba/deu: x = 20, 10, 5, 15 and y = 8, 4, 2, 6 (one order): rho 1
    tatoeba = result["cells"]["tatoeba/deu"]
    assert tatoeba["x"] == {"non_english_only": 20.0, "uniform": 10.0, "trial-0003": 5.0, "trial-0004": 15.0}
    assert tatoeba["spearman"] == pytest.approx(1.0) and tatoeba["n"] == 4
    # 4 trials: 24 orderings, |rho| = 1 for 2 of them
    assert tatoeba["p_value"] == pytest.approx(2 / 24) and tatoeba["exact"]
    # xnli/de did not move: skipped, with the reason
    assert result["skipped"] == ["xnli/de"] and "did not move" in result["cells"]["xnli/de"]["skipped"]
    # mlqa/de: y = mean(EM, F1) - 30 = 2, 5, 1, 5
    assert result["cells"]["mlqa/de"]["y"] == {"non_english_only": 2.0, "uniform": 5.0, "trial-0003": 1.0,
                                               "trial-0004": 5.0}
    tested = [cell["spearman"] for cell in result["cells"].values() if "skipped" not in cell]
    assert len(tested) == 3 and result["mean_spearman"] == pytest.approx(sum(tested) / 3)
    assert 0 < result["p_value"] <= 1

    logged = client.get_run(parent).data.metrics
    assert logged["analysis/gain_vs_lexsim/n_trials"] == 4
    assert logged["analysis/gain_vs_lexsim/mean_spearman"] == pytest.approx(result["mean_spearman"])
    assert logged["analysis/gain_vs_lexsim/p_value"] == pytest.approx(result["p_value"])
    assert logged["analysis/lexsim/tatoeba/deu/spearman"] == pytest.approx(1.0)
    assert logged["analysis/lexsim/lareqa/ar/p_value"] == pytest.approx(result["cells"]["lareqa/ar"]["p_value"])
    assert not any(key.startswith("analysis/lexsim/xnli/") for key in logged)

    artifacts = {item.path for item in client.list_artifacts(parent)}
    assert {"gain_vs_lexsim.json", "gain_vs_lexsim.png"} <= artifacts
    saved = json.loads(Path(client.download_artifacts(parent, "gain_vs_lexsim.json", str(tmp_path))).read_text())
    assert saved["cells"]["tatoeba/deu"]["y"]["uniform"] == pytest.approx(4.0)
    assert saved["cells"]["xnli/de"]["skipped"] and saved["n_trials"] == 4
    png = Path(client.download_artifacts(parent, "gain_vs_lexsim.png", str(tmp_path))).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_nothing_without_a_reference_or_with_too_few_trials(sweep_store):
    client, experiment, parent = sweep_store
    runs = [run for run in _children(client, experiment, parent)
            if run.data.tags.get(tracking.PHASE) == tracking.SEARCH_PHASE]
    without_reference = [run for run in runs if run.data.tags[tracking.BASELINE] != "english_only"]
    assert log_gain_vs_lexsim(client, parent, without_reference) is None
    two_trials = [run for run in runs if run.info.run_name in ("english_only", "uniform", "trial-0003")]
    assert log_gain_vs_lexsim(client, parent, two_trials) is None
    assert not any(key.startswith("analysis/") for key in client.get_run(parent).data.metrics)


def test_a_trial_missing_a_cell_skips_that_cell_only():
    reference = _metrics(TRIALS["english_only"][1:])
    trials = {name: _metrics(cells) for name, (_, *cells) in TRIALS.items() if name != "english_only"}
    del trials["uniform"]["lexsim/lareqa/ar"]
    result = gain_vs_lexsim(reference, trials)
    assert "uniform" in result["cells"]["lareqa/ar"]["skipped"]
    assert result["skipped"] == ["lareqa/ar", "xnli/de"] and result["n_trials"] == 4


def test_language_score_reads_the_task_metric():
    metrics = _metrics(TRIALS["uniform"][1:])
    assert language_score(metrics, "mlqa", "de") == pytest.approx(35.0)  # (25 + 45) / 2
    assert language_score(metrics, "lareqa", "ar") == pytest.approx(9.0)  # map@20 logged as map_at_20
    assert language_score(metrics, "xnli", "fr") is None
