"""The verdict on xmix's question, from the confirmation runs' held-out (report) scores.

For the objective, each task and each (task, language): best mixed vs english_only, best mixed vs
non_english_only and english_only vs non_english_only, each with a mean difference, a 95 % interval,
a p-value, a Holm-adjusted p-value, one word and the smallest difference the budget could detect.

Why this statistic. Two sources of chance are crossed: training randomness (seeds; every config runs
the same S seeds) and the sample of test examples (every config and seed scores the same examples of
a cell, in the same order). Write a per-seed, per-example difference as mu + a_s + b_i + g_si (seed
effect, example effect, their interaction). The seed-averaged difference on n examples has variance
    var(a)/S + var(b)/n + var(g)/(S n).
- The seed term: D_s, the difference of the statistic on the whole report set under seed s, has
  spread var(a) + var(g)/n across seeds (b cancels: every seed sees the same examples), so
  var_seed = var(D_s, ddof=1) / S estimates var(a)/S + var(g)/(S n).
- The example term: a paired bootstrap of row indices per task (the same indices for every config
  and seed; cells of one task with the same n share indices so that a parallel set keeps its
  translations together, which costs nothing where the cells are not aligned) gives each seed's
  resampled difference D*_s. Across draws, the covariance of D*_s and D*_t for two *different*
  seeds estimates var(b)/n alone (the interaction is independent across seeds), so
  var_examples = mean over seed pairs s != t of cov(D*_s, D*_t), floored at 0.
  V = var_seed + var_examples then estimates the whole variance without counting the interaction
  twice. Metrics are always recomputed from resampled rows (F1 from summed tp/fp/fn), never averaged
  per example.
- Degrees of freedom: S - 1 (Hsu's / Mickey & Brown's conservative choice for a sum of an
  (S-1)-df and a many-df variance). Calibrated on one synthetic accuracy cell (logistic model: seed
  effect, example difficulty, config x example effect, Bernoulli outcomes; S = 2, 3, 5; n = 100, 400;
  1000 null simulations per setting, B = 500): the Welch-Satterthwaite df with var_seed + the
  bootstrap variance of the seed mean (the interaction counted twice) rejected at a nominal 5 %
  6-8 % of the time with 3 seeds and 8-14 % with 2 where the seed effect dominates, because Welch's
  df grows exactly when var_seed comes out small by chance (6-12 % with V as above). With
  S - 1 df: 0.4-5.6 % in every setting (the top being the exact paired t-test's 5 % plus noise), and
  with 5 seeds as much power as Welch. Through build_verdict (3 accuracy cells, n = 150, 2000 nulls
  per setting; seeds dominate / examples dominate / both, S = 2, 3, 5) the objective's unadjusted
  p < 0.05 came out 1.8-4.6 % per comparison and Holm declared a difference in 1.6-3.9 % of runs.
  The price is power: with 3 seeds a difference must be about 9 standard errors to be found in 80 %
  of runs at the first Holm step; `detectable` says so per row. Figure intervals of one config's
  score, where the test-set term dominates, are wide for the same reason.
- The interval is mean +- t_{S-1, 1-alpha/2} sqrt(V) (per comparison, unadjusted); p is two-sided
  from t_{S-1}; Holm's step-down correction runs within each level (objective: 3 comparisons; tasks:
  3 x tasks; languages: 3 x cells); the word uses the Holm-adjusted p at alpha and the sign.
  `detectable` = (t_{S-1, 1-alpha/(2m)} + t_{S-1, 0.8}) sqrt(V): the true difference found with 80 %
  power at the strictest Holm step of a family of m.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
from scipy import stats

from evaluation.errors import XmixError

SCHEMA = "xmix.verdict/1"
ENGLISH_ONLY, NON_ENGLISH_ONLY = "english_only", "non_english_only"
OBJECTIVE, TASK, LANGUAGE = "objective", "task", "language"
LEVELS = (OBJECTIVE, TASK, LANGUAGE)
BETTER, WORSE, NO_DIFFERENCE = "better", "worse", "no difference detected"
# (a, b) roles; "best_mixed" stands for the label passed to build_verdict
COMPARISONS = (("best_mixed", ENGLISH_ONLY), ("best_mixed", NON_ENGLISH_ONLY), (ENGLISH_ONLY, NON_ENGLISH_ONLY))
POWER = 0.8
DEFAULT_DRAWS = 2000
# rows[idx] for a chunk of draws is materialised at once; this bounds its size (elements)
_CHUNK_ELEMENTS = 4_000_000

Units = Mapping[str, Mapping[object, Mapping[tuple[str, str], np.ndarray]]]


class VerdictInputError(XmixError, ValueError):
    """Bad units for the verdict; a ValueError too, because the data, not the spec, is wrong."""


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = (len(p) - np.arange(len(p))) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def seed_example_variance(per_seed: np.ndarray, per_draw: np.ndarray) -> tuple[float, float]:
    """(var_seed, var_examples) of the seed mean; per_seed (S,), per_draw (S, B): see the module doc."""
    seeds = len(per_seed)
    var_seed = float(np.var(per_seed, ddof=1)) / seeds
    seed_mean_var = float(np.var(per_draw.mean(axis=0), ddof=1))
    within_seed = float(np.var(per_draw, axis=1, ddof=1).mean())
    # var(mean_s X*_s) = within/S + (S-1)/S * cross-seed covariance, solved for the covariance
    cross_seed = (seeds * seed_mean_var - within_seed) / (seeds - 1)
    return var_seed, max(cross_seed, 0.0)


def _estimate(per_seed: np.ndarray, per_draw: np.ndarray, alpha: float) -> dict:
    var_seed, var_examples = seed_example_variance(per_seed, per_draw)
    variance, df = var_seed + var_examples, len(per_seed) - 1
    mean = float(per_seed.mean())
    half = float(stats.t.ppf(1 - alpha / 2, df)) * variance ** 0.5
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "variance": variance,
            "var_seed": var_seed, "var_examples": var_examples, "df": df}


def _p_value(mean: float, variance: float, df: int) -> float:
    if variance <= 0.0:
        # every seed and every resample gave the same difference: certain if not zero
        return 1.0 if mean == 0.0 else 0.0
    return float(2 * stats.t.sf(abs(mean) / variance ** 0.5, df))


def _word(diff: float, p_holm: float, alpha: float) -> str:
    if p_holm >= alpha:
        return NO_DIFFERENCE
    return BETTER if diff > 0 else WORSE


def _detectable(variance: float, df: int, alpha: float, family: int) -> float | None:
    if variance <= 0.0:
        return None
    quantiles = stats.t.ppf(1 - alpha / (2 * family), df) + stats.t.ppf(POWER, df)
    return float(quantiles * variance ** 0.5)


def _check_units(units: Units, from_units: Mapping[str, Callable], best_mixed: str):
    """(configs, seeds, cells, n per cell) after checking that everything is paired."""
    if best_mixed in (ENGLISH_ONLY, NON_ENGLISH_ONLY):
        raise VerdictInputError(f"best_mixed: {best_mixed!r} is a baseline, not a mixture")
    missing = [c for c in (ENGLISH_ONLY, NON_ENGLISH_ONLY, best_mixed) if c not in units]
    if missing:
        raise VerdictInputError(f"units: no runs for {missing} (have {sorted(units)})")
    configs = [ENGLISH_ONLY, NON_ENGLISH_ONLY, best_mixed] + [
        c for c in units if c not in (ENGLISH_ONLY, NON_ENGLISH_ONLY, best_mixed)]
    seeds = list(units[ENGLISH_ONLY])
    if len(seeds) < 2:
        raise VerdictInputError(f"units[{ENGLISH_ONLY!r}]: {len(seeds)} seed(s); the verdict needs at least 2 "
                                "(search.confirm.seeds) to see training randomness")
    cells = list(units[ENGLISH_ONLY][seeds[0]])
    if not cells:
        raise VerdictInputError(f"units[{ENGLISH_ONLY!r}][{seeds[0]!r}]: no (task, language) cells")
    unknown = sorted({task for task, _ in cells} - set(from_units))
    if unknown:
        raise VerdictInputError(f"from_units: no reducer for tasks {unknown}")
    shapes = {cell: np.shape(units[ENGLISH_ONLY][seeds[0]][cell]) for cell in cells}
    for config in configs:
        if set(units[config]) != set(seeds):
            raise VerdictInputError(f"units[{config!r}]: seeds {list(units[config])}, "
                                    f"expected the same as {ENGLISH_ONLY}: {seeds}")
        for seed in seeds:
            have = units[config][seed]
            if set(have) != set(cells):
                raise VerdictInputError(f"units[{config!r}][{seed!r}]: cells {sorted(have)}, expected {sorted(cells)}")
            for cell in cells:
                shape = np.shape(have[cell])
                if shape != shapes[cell] or len(shape) not in (1, 2) or shape[0] < 2:
                    raise VerdictInputError(
                        f"units[{config!r}][{seed!r}][{cell!r}]: rows of shape {shape}; expected "
                        f"{shapes[cell]} as in {ENGLISH_ONLY} (paired examples, at least 2)")
    return configs, seeds, cells, {cell: shapes[cell][0] for cell in cells}


def _draw_indices(cells, n, draws: int, rng: np.random.Generator) -> dict:
    """Row indices (draws, n) per cell; cells of one task with the same n share them."""
    shared: dict[tuple[str, int], np.ndarray] = {}
    for task, language in cells:
        key = (task, n[(task, language)])
        if key not in shared:
            shared[key] = rng.integers(0, key[1], size=(draws, key[1]))
    return {cell: shared[(cell[0], n[cell])] for cell in cells}


def _resampled_scores(rows: np.ndarray, indices: np.ndarray, score: Callable, score_batch: Callable | None):
    chunk = max(1, _CHUNK_ELEMENTS // rows.size)
    parts = []
    for start in range(0, len(indices), chunk):
        batch = rows[indices[start:start + chunk]]
        if score_batch is not None:
            parts.append(np.asarray(score_batch(batch), dtype=float).reshape(len(batch)))
        else:
            parts.append(np.fromiter((score(sample) for sample in batch), dtype=float, count=len(batch)))
    return np.concatenate(parts)


def _cell_scores(units, from_units, from_units_batch, configs, seeds, cells, indices):
    """Full-set scores (C, S, K) and resampled scores (C, S, K, B)."""
    draws = len(next(iter(indices.values())))
    full = np.empty((len(configs), len(seeds), len(cells)))
    boot = np.empty((len(configs), len(seeds), len(cells), draws))
    for k, (task, language) in enumerate(cells):
        score, score_batch = from_units[task], (from_units_batch or {}).get(task)
        for c, config in enumerate(configs):
            for s, seed in enumerate(seeds):
                rows = np.asarray(units[config][seed][(task, language)], dtype=float)
                where = f"units[{config!r}][{seed!r}][({task!r}, {language!r})]"
                full[c, s, k] = float(score(rows))
                if not np.isfinite(full[c, s, k]):
                    raise VerdictInputError(f"{where}: from_units gave {full[c, s, k]}")
                if score_batch is not None and not np.isclose(float(np.asarray(score_batch(rows[None]))[0]),
                                                              full[c, s, k], rtol=1e-9, atol=1e-9):
                    raise VerdictInputError(f"from_units_batch[{task!r}] disagrees with from_units on {where}")
                boot[c, s, k] = _resampled_scores(rows, indices[(task, language)], score, score_batch)
                if not np.isfinite(boot[c, s, k]).all():
                    raise VerdictInputError(f"{where}: from_units gave a non-finite score on a resample; it must "
                                            "score any subset (e.g. F1 0 when nothing is predicted or gold)")
    return full, boot


def _levels(cells) -> list[tuple[str, str | None, str | None, np.ndarray]]:
    """(level, task, language, weights over cells): task = mean of languages, objective = mean of tasks."""
    tasks = list(dict.fromkeys(task for task, _ in cells))
    per_task = {t: np.array([1.0 if task == t else 0.0 for task, _ in cells]) for t in tasks}
    per_task = {t: w / w.sum() for t, w in per_task.items()}
    objective = sum(per_task.values()) / len(tasks)
    return ([(OBJECTIVE, None, None, objective)] + [(TASK, t, None, per_task[t]) for t in tasks]
            + [(LANGUAGE, task, language, np.eye(len(cells))[k]) for k, (task, language) in enumerate(cells)])


def _degenerate(full: np.ndarray, cells) -> list[dict]:
    flagged = []
    for k, (task, language) in enumerate(cells):
        values = full[:, :, k]
        if np.ptp(values) <= 1e-9:
            flagged.append({"task": task, "language": language, "score": float(values.flat[0])})
    return flagged


def _comparison_rows(levels, configs, best_mixed, full_by_level, boot_by_level, n_by_level, alpha):
    rows = []
    families = {level: 3 * sum(1 for lv, *_ in levels if lv == level) for level in LEVELS}
    index = {config: i for i, config in enumerate(configs)}
    for u, (level, task, language, _) in enumerate(levels):
        for role_a, role_b in COMPARISONS:
            a = best_mixed if role_a == "best_mixed" else role_a
            ia, ib = index[a], index[role_b]
            diff = full_by_level[ia, :, u] - full_by_level[ib, :, u]
            diff_draws = boot_by_level[ia, :, u] - boot_by_level[ib, :, u]
            est = _estimate(diff, diff_draws, alpha)
            rows.append({
                "level": level, "task": task, "language": language,
                "comparison": f"{role_a} vs {role_b}", "a": a, "b": role_b,
                "diff": est["mean"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                "p": _p_value(est["mean"], est["variance"], est["df"]),
                "detectable": _detectable(est["variance"], est["df"], alpha, families[level]),
                "width": est["ci_high"] - est["ci_low"], "df": est["df"], "n_min": n_by_level[u],
                "var_seed": est["var_seed"], "var_examples": est["var_examples"]})
    for level in LEVELS:
        family = [row for row in rows if row["level"] == level]
        for row, adjusted in zip(family, holm([row["p"] for row in family])):
            row["p_holm"] = float(adjusted)
            row["word"] = _word(row["diff"], row["p_holm"], alpha)
    return rows, families


def _score_rows(levels, configs, full_by_level, boot_by_level, alpha):
    rows = []
    for u, (level, task, language, _) in enumerate(levels):
        for c, config in enumerate(configs):
            est = _estimate(full_by_level[c, :, u], boot_by_level[c, :, u], alpha)
            rows.append({"level": level, "task": task, "language": language, "config": config,
                         "mean": est["mean"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                         "per_seed": [float(x) for x in full_by_level[c, :, u]]})
    return rows


def _method_text(seeds: int, draws: int, alpha: float, families: dict) -> str:
    return (f"Paired over {seeds} seeds and the report set's examples: mean over seeds of the per-seed "
            f"difference; variance = seed spread / S + cross-seed covariance of {draws} paired bootstrap "
            f"draws of examples (same rows for every config and seed); t with S-1 = {seeds - 1} df; "
            f"{100 * (1 - alpha):g} % intervals per comparison; Holm within each level (objective "
            f"{families[OBJECTIVE]}, tasks {families[TASK]}, languages {families[LANGUAGE]} comparisons); "
            f"a word when the Holm p < {alpha:g}; detectable = difference found with {POWER:.0%} power "
            f"at the strictest Holm step.")


def _headline(rows, scores, best_mixed: str, seeds: int) -> str:
    objective_scores = {r["config"]: r["mean"] for r in scores if r["level"] == OBJECTIVE}
    parts = [f"{config} {objective_scores[config]:.2f}" for config in (best_mixed, ENGLISH_ONLY, NON_ENGLISH_ONLY)]
    verdicts = [f"{r['comparison']} {r['diff']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] {r['word']}"
                for r in rows if r["level"] == OBJECTIVE]
    return f"Objective over {seeds} seeds (report split): " + ", ".join(parts) + ". " + "; ".join(verdicts) + "."


def _seed_name(seed):
    if isinstance(seed, np.integer):
        return int(seed)
    return seed if isinstance(seed, (int, str)) and not isinstance(seed, bool) else str(seed)


def build_verdict(units: Units, from_units: Mapping[str, Callable[[np.ndarray], float]], best_mixed: str,
                  alpha: float = 0.05, *, notes: Sequence[str] = (), draws: int = DEFAULT_DRAWS,
                  rng_seed: int = 0,
                  from_units_batch: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None) -> dict:
    """The verdict as a JSON-serialisable dict (schema xmix.verdict/1).

    units[config][seed][(task, language)]: rows of the report set (shape (n,) or (n, k)), paired
    across configs and seeds; from_units[task](rows) -> the language score. from_units_batch, optional,
    per task: rows of shape (B, n[, k]) -> B scores, a faster path that must agree with from_units.
    """
    if not 0 < alpha < 1 or draws < 2:
        raise VerdictInputError(f"alpha={alpha}, draws={draws}: need 0 < alpha < 1 and at least 2 draws")
    configs, seeds, cells, n = _check_units(units, from_units, best_mixed)
    indices = _draw_indices(cells, n, draws, np.random.default_rng(rng_seed))
    full, boot = _cell_scores(units, from_units, from_units_batch, configs, seeds, cells, indices)
    levels = _levels(cells)
    weights = np.stack([w for *_, w in levels])
    full_by_level = np.einsum("csk,uk->csu", full, weights)
    boot_by_level = np.einsum("cskb,uk->csub", boot, weights)
    n_by_level = [min(n[cell] for cell, w in zip(cells, weights_u) if w > 0) for weights_u in weights]
    rows, families = _comparison_rows(levels, configs, best_mixed, full_by_level, boot_by_level, n_by_level, alpha)
    scores = _score_rows(levels, configs, full_by_level, boot_by_level, alpha)
    degenerate = _degenerate(full, cells)
    flagged = {(d["task"], d["language"]) for d in degenerate}
    for row in rows:
        row["degenerate"] = row["level"] == LANGUAGE and (row["task"], row["language"]) in flagged
    all_notes = ([notes] if isinstance(notes, str) else list(notes)) + [
        f"degenerate: {d['task']}/{d['language']} scores {d['score']:.2f} in every config and seed"
        for d in degenerate]
    n_nested: dict[str, dict[str, int]] = {}
    for (task, language), size in n.items():
        n_nested.setdefault(task, {})[language] = int(size)
    return {
        "schema": SCHEMA, "method": _method_text(len(seeds), draws, alpha, families), "alpha": alpha,
        "seeds": [_seed_name(s) for s in seeds], "draws": draws, "rng_seed": rng_seed, "n": n_nested,
        "configs": configs, "best_mixed": best_mixed,
        "holm_families": {level: int(m) for level, m in families.items()},
        "rows": rows, "scores": scores, "degenerate": degenerate, "notes": all_notes,
        "headline": _headline(rows, scores, best_mixed, len(seeds)),
    }


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _p_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in body]


def verdict_markdown(verdict: dict) -> str:
    """The verdict as Markdown whose tables line up in a terminal."""
    fam, level_pct = verdict["holm_families"], f"{100 * (1 - verdict['alpha']):g}%"
    header = ["level", "task", "language", "comparison", "diff", f"{level_pct} interval", "p", "p Holm", "verdict",
              "detectable"]
    body = [[r["level"], r["task"] or "-", r["language"] or "-", r["comparison"], f"{r['diff']:+.2f}",
             f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]", _p_text(r["p"]), _p_text(r["p_holm"]), r["word"],
             _fmt(r["detectable"], ".2f")]
            for level in LEVELS for r in verdict["rows"] if r["level"] == level]
    tasks = [r["task"] for r in verdict["scores"] if r["level"] == TASK and r["config"] == verdict["configs"][0]]
    score_header = ["config", "objective"] + tasks
    score_body = []
    for config in verdict["configs"]:
        cells = {(r["level"], r["task"]): r for r in verdict["scores"] if r["config"] == config}
        score_body.append([config] + [f"{c['mean']:.2f} [{c['ci_low']:.2f}, {c['ci_high']:.2f}]"
                                      for c in [cells[(OBJECTIVE, None)]] + [cells[(TASK, t)] for t in tasks]])
    lines = [f"## Verdict (best mixed: {verdict['best_mixed']}; seeds {', '.join(map(str, verdict['seeds']))})", "",
             verdict["headline"], "", f"Method: {verdict['method']}", "",
             f"Holm families: objective {fam[OBJECTIVE]}, tasks {fam[TASK]}, languages {fam[LANGUAGE]} comparisons; "
             f"`better`/`worse` when the Holm-adjusted p < {verdict['alpha']:g}, else `{NO_DIFFERENCE}`.", ""]
    lines += _table(header, body)
    lines += ["", f"Scores (mean over seeds, {level_pct} interval):", ""] + _table(score_header, score_body)
    if verdict["notes"]:
        lines += ["", "Notes:"] + [f"- {note}" for note in verdict["notes"]]
    return "\n".join(lines) + "\n"


def verdict_figure(verdict: dict, path: str | Path) -> Path:
    """PNG: the objective and each (task, language), the three groups' scores with 95 % intervals."""
    from matplotlib.figure import Figure  # lazy: matplotlib is slow to import and only the figure needs it

    groups = [ENGLISH_ONLY, NON_ENGLISH_ONLY, verdict["best_mixed"]]
    places = [(OBJECTIVE, None, None)] + [(LANGUAGE, r["task"], r["language"]) for r in verdict["scores"]
                                           if r["level"] == LANGUAGE and r["config"] == ENGLISH_ONLY]
    by_key = {(r["level"], r["task"], r["language"], r["config"]): r for r in verdict["scores"]}
    figure = Figure(figsize=(max(6.0, 0.7 * len(places) + 2), 4.5), layout="constrained")
    axes = figure.subplots()
    for g, group in enumerate(groups):
        points = [by_key[place + (group,)] for place in places]
        x = np.arange(len(places)) + (g - 1) * 0.22
        means = np.array([p["mean"] for p in points])
        errors = np.array([[p["mean"] - p["ci_low"] for p in points], [p["ci_high"] - p["mean"] for p in points]])
        axes.errorbar(x, means, yerr=errors, fmt="o", capsize=3, label=group)
    axes.set_xticks(np.arange(len(places)),
                    ["objective"] + [f"{task}/{language}" for _, task, language in places[1:]], rotation=45, ha="right")
    axes.axvline(0.5, color="grey", linewidth=0.8)
    axes.set_ylabel("score (report split), 95 % interval")
    axes.set_title(f"{len(verdict['seeds'])} seeds; best mixed = {verdict['best_mixed']}", fontsize=10)
    axes.legend(fontsize=8)
    path = Path(path)
    figure.savefig(path, dpi=120)
    return path
