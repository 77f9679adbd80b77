"""Per-sweep analysis on the parent run: does a language gain more over the
english_only trial when the mixture's text is lexically closer to it?

Per (task, language) cell, over the search trials t other than english_only:

    x_t = lexsim_t - lexsim_english_only,   y_t = score_t - score_english_only

Spearman's rho of (x, y) with a permutation p-value over trials. The trial is the
independent unit (its languages share one model; every difference subtracts the
same english_only run), so n is the number of trials, not trials x languages. A
cell whose x or y is constant (a target that did not move) has no rho and is
listed as skipped. The summary is the mean rho over the cells, tested by
permuting trial labels jointly across cells (``evaluation.lexsim.mean_spearman_test``).
"""
from __future__ import annotations

import math
import tempfile
import textwrap
from pathlib import Path
from typing import Mapping

from evaluation.lexsim import mean_spearman_test, spearman_test
from evaluation.scores import QA_METRICS, TASK_METRIC, mlflow_name
from sweep import tracking

SCORE_PREFIX, LEXSIM_PREFIX = "search/", "lexsim/"
REFERENCE = "english_only"
MIN_TRIALS = 3  # below this no ordering of the trials can be told from chance
JSON_ARTIFACT, FIGURE_ARTIFACT = "gain_vs_lexsim.json", "gain_vs_lexsim.png"


def language_score(metrics: Mapping[str, float], task: str, language: str) -> float | None:
    """The task metric of ``search/<task>/<lang>/...`` (QA: mean of EM and F1); None if not logged."""
    metric = TASK_METRIC.get(task)
    if metric is None:
        return None
    names = QA_METRICS if metric == "em_f1_mean" else (metric,)
    keys = [f"{SCORE_PREFIX}{task}/{mlflow_name(language)}/{mlflow_name(name)}" for name in names]
    if any(key not in metrics for key in keys):
        return None
    return math.fsum(metrics[key] for key in keys) / len(keys)


def _cell_values(metrics: Mapping[str, float], task: str, language: str) -> tuple[float, float] | None:
    """(lexsim, score) of one run in one cell, or None when either was not logged."""
    lexsim = metrics.get(f"{LEXSIM_PREFIX}{task}/{language}")
    score = language_score(metrics, task, language)
    return None if lexsim is None or score is None else (lexsim, score)


def _cells(metrics: Mapping[str, float]) -> list[tuple[str, str]]:
    return sorted(tuple(key[len(LEXSIM_PREFIX):].split("/", 1)) for key in metrics
                  if key.startswith(LEXSIM_PREFIX) and key.count("/") == 2)


def gain_vs_lexsim(reference: Mapping[str, float], trials: Mapping[str, Mapping[str, float]], seed: int = 0) -> dict:
    """The analysis on metric dicts: ``reference`` is english_only's, ``trials`` the others' by label.

    Returns ``{"mean_spearman", "p_value", "n_trials", "cells", "skipped"}``; ``cells``
    holds every (task, language) the reference has lexsim for, keyed "<task>/<lang>",
    with x and y per trial and either rho, p and n or the reason it was skipped.
    """
    cells: dict[str, dict] = {}
    tested: list[tuple[list[float], list[float]]] = []
    for task, language in _cells(reference):
        name = f"{task}/{language}"
        base = _cell_values(reference, task, language)
        values = {label: _cell_values(metrics, task, language) for label, metrics in trials.items()}
        present = {label: v for label, v in values.items() if v is not None}
        cell: dict = {"task": task, "language": language}
        if base is not None:
            cell["x"] = {label: lexsim - base[0] for label, (lexsim, _) in present.items()}
            cell["y"] = {label: score - base[1] for label, (_, score) in present.items()}
        cells[name] = cell
        if base is None:
            cell["skipped"] = f"{REFERENCE} has lexsim but no {SCORE_PREFIX}{task}/{language} score"
        elif len(present) < len(values):
            missing = sorted(label for label, v in values.items() if v is None)
            cell["skipped"] = f"lexsim or score not logged by {', '.join(missing)}"
        elif len(set(cell["y"].values())) < 2:
            constant = next(iter(cell["y"].values()))
            cell["skipped"] = f"score difference constant ({constant:g}): the target did not move"
        elif len(set(cell["x"].values())) < 2:
            cell["skipped"] = "lexsim difference constant across trials"
        else:
            x, y = list(cell["x"].values()), list(cell["y"].values())
            cell.update(spearman_test(x, y, seed))
            tested.append((x, y))
    summary = mean_spearman_test(tested, seed) if tested else {"spearman": None, "p_value": None}
    return {"mean_spearman": summary["spearman"], "p_value": summary["p_value"], "n_trials": len(trials),
            "cells": cells, "skipped": [name for name, cell in cells.items() if "skipped" in cell]}


def _labels(runs) -> list[str]:
    """Run names, made unique with the run id where two trials share one."""
    names = [run.info.run_name or run.info.run_id for run in runs]
    return [name if names.count(name) == 1 else f"{name} ({run.info.run_id[:8]})" for name, run in zip(names, runs)]


def log_gain_vs_lexsim(client, parent_run_id: str, runs, seed: int = 0) -> dict | None:
    """Run ``gain_vs_lexsim`` on a sweep's finished search runs and log it to the parent run.

    None (nothing logged) without an english_only run or with fewer than 3 other trials.
    """
    search = [run for run in runs
              if run.data.tags.get(tracking.PHASE, tracking.SEARCH_PHASE) == tracking.SEARCH_PHASE]
    references = [run for run in search if run.data.tags.get(tracking.BASELINE) == REFERENCE]
    others = [run for run in search if run.data.tags.get(tracking.BASELINE) != REFERENCE]
    if not references or len(others) < MIN_TRIALS:
        return None
    result = gain_vs_lexsim(references[0].data.metrics,
                            {label: run.data.metrics for label, run in zip(_labels(others), others)}, seed)
    result["reference_run_id"] = references[0].info.run_id
    metrics = {"analysis/gain_vs_lexsim/mean_spearman": result["mean_spearman"],
               "analysis/gain_vs_lexsim/p_value": result["p_value"],
               "analysis/gain_vs_lexsim/n_trials": result["n_trials"]}
    for name, cell in result["cells"].items():
        if "skipped" not in cell:
            metrics[f"analysis/lexsim/{name}/spearman"] = cell["spearman"]
            metrics[f"analysis/lexsim/{name}/p_value"] = cell["p_value"]
    tracking.log_batch(client, parent_run_id, metrics=metrics)  # client.log_batch, chunked; None skipped
    client.log_dict(parent_run_id, result, JSON_ARTIFACT)
    with tempfile.TemporaryDirectory() as folder:
        client.log_artifact(parent_run_id, str(small_multiples(result, Path(folder) / FIGURE_ARTIFACT)))
    return result


def small_multiples(result: Mapping, path: Path) -> Path:
    """One scatter per cell: score difference (y) against lexsim difference (x), vs english_only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = result["cells"]
    columns = max(1, min(5, math.ceil(math.sqrt(len(cells)))))
    rows = max(1, math.ceil(len(cells) / columns))
    figure, grid = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.8 * rows), squeeze=False)
    for axes in grid.flat[len(cells):]:
        axes.set_visible(False)
    for axes, (name, cell) in zip(grid.flat, cells.items()):
        x, y = cell.get("x", {}), cell.get("y", {})
        axes.scatter([x[label] for label in x if label in y], [y[label] for label in x if label in y], s=14)
        axes.axhline(0.0, color="grey", linewidth=0.6)
        axes.axvline(0.0, color="grey", linewidth=0.6)
        if "skipped" in cell:
            axes.set_title(textwrap.fill(f"{name} skipped: {cell['skipped']}", 48), fontsize=7, color="grey")
        else:
            axes.set_title(f"{name}: rho {cell['spearman']:.2f}, p {cell['p_value']:.3g}, n {cell['n']}", fontsize=8)
        axes.tick_params(labelsize=6)
    summary = ("no cell could be tested" if result["mean_spearman"] is None else
               f"mean rho {result['mean_spearman']:.2f}, p {result['p_value']:.3g} (trials permuted jointly)")
    figure.suptitle(f"score vs lexsim, each minus english_only\n{summary}; n = {result['n_trials']} trials",
                    fontsize=9)
    figure.supxlabel("lexsim difference (points of histogram intersection)", fontsize=8)
    figure.supylabel("score difference (task metric points)", fontsize=8)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
