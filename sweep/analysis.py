"""Per-sweep analysis on the parent run: does a language gain more over the
english_only baseline when the mixture's text is lexically closer to it?"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from evaluation.lexsim import gain_vs_lexsim, language_gains, scatter_plot
from sweep import tracking


def _scores(client, run) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        return json.loads(Path(client.download_artifacts(run.info.run_id, "scores.json", folder)).read_text())


def log_gain_vs_lexsim(client, parent_run_id: str, runs) -> dict | None:
    """Spearman rho of (gain, lexsim) over every (trial, task, language) but the baseline's own."""
    baselines = [r for r in runs if r.data.tags.get(tracking.BASELINE) == "english_only"]
    if not baselines:
        return None
    baseline = baselines[0]
    baseline_scores = _scores(client, baseline)
    points = []
    for run in runs:
        if run.info.run_id == baseline.info.run_id:
            continue
        for (task, language), gain in language_gains(_scores(client, run), baseline_scores).items():
            similarity = run.data.metrics.get(f"lexsim/{task}/{language}")
            if similarity is not None:
                points.append((f"{task}/{language}", gain, similarity))
    stats = gain_vs_lexsim(points)
    metrics = {"analysis/gain_vs_lexsim_spearman": stats["spearman"],
               "analysis/gain_vs_lexsim_p_value": stats["p_value"], "analysis/gain_vs_lexsim_n": stats["n"]}
    tracking.log_batch(client, parent_run_id, metrics={k: v for k, v in metrics.items() if v is not None})
    if points:
        with tempfile.TemporaryDirectory() as folder:
            plot = scatter_plot(points, Path(folder) / "gain_vs_lexsim.png")
            client.log_artifact(parent_run_id, str(plot))
    return stats
