"""sweep.verdict on synthetic report-set rows: planted differences, null calibration, F1, Holm."""
from __future__ import annotations

import json

import numpy as np
import pytest

from evaluation.errors import XmixError
from sweep.verdict import (
    BETTER,
    NO_DIFFERENCE,
    SCHEMA,
    WORSE,
    build_verdict,
    holm,
    verdict_figure,
    verdict_markdown,
)

BEST = "t05 en=0.57"
LABELS = ("best_mixed vs english_only", "best_mixed vs non_english_only", "english_only vs non_english_only")


def accuracy(rows):
    return 100.0 * float(np.mean(rows))


def accuracy_batch(rows):
    return 100.0 * rows.mean(axis=-1)


def f1(rows):
    tp, fp, fn = np.sum(rows, axis=0)
    return 100.0 * 2 * tp / (2 * tp + fp + fn)


def f1_batch(rows):
    tp, fp, fn = np.moveaxis(rows.sum(axis=-2), -1, 0)
    return 100.0 * 2 * tp / (2 * tp + fp + fn)


def bernoulli_units(rng, shifts: dict, cells, n: int, seeds: int = 3, seed_sd: float = 0.02,
                    config_example_sd: float = 0.0) -> dict:
    """0/1 rows: p = difficulty_i (shared by configs) + shift_c + seed effect (shared by all examples).

    The seed effect is half shared by the configs (paired seeds), half the config's own; an optional
    config x example effect makes configs disagree on particular examples. Expected difference of two
    configs in every cell = their shift difference (p stays inside [0, 1] for these settings).
    """
    shared = rng.normal(0, seed_sd * 0.5 ** 0.5, seeds)
    own = {c: rng.normal(0, seed_sd * 0.5 ** 0.5, seeds) for c in shifts}
    units = {c: {s: {} for s in range(seeds)} for c in shifts}
    for cell in cells:
        difficulty = rng.uniform(0.25, 0.75, n)
        for config, shift in shifts.items():
            p = difficulty + shift + rng.normal(0, config_example_sd, n) + (shared + own[config])[:, None]
            outcomes = rng.random((seeds, n)) < np.clip(p, 0, 1)
            for s in range(seeds):
                units[config][s][cell] = outcomes[s].astype(float)
    return units


def objective_row(verdict, comparison):
    return next(r for r in verdict["rows"] if r["level"] == "objective" and r["comparison"] == comparison)


def test_planted_difference_is_found_and_covered():
    # +8 accuracy points for the best mixture (and non_english_only) over english_only in every cell;
    # 4 tasks x 3 languages, 400 examples, 3 seeds. Over 300 draws of this design the best mixture came
    # out `better` in 96 % (english_only vs non_english_only `worse` in 98 %), its interval covered 8 in
    # 97 %, median detectable 4.8
    rng = np.random.default_rng(2024)
    cells = [(t, lang) for t in ("xnli", "pawsx", "xcopa", "udpos") for lang in ("de", "zh", "sw")]
    units = bernoulli_units(rng, {"english_only": 0.0, "non_english_only": 0.08, BEST: 0.08}, cells, n=400,
                            seed_sd=0.005)
    reducers = {t: accuracy for t, _ in cells}
    verdict = build_verdict(units, reducers, BEST, from_units_batch={t: accuracy_batch for t, _ in cells})
    row = objective_row(verdict, LABELS[0])
    print(f"\nplanted +8: diff {row['diff']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}] "
          f"p_holm {row['p_holm']:.4f} detectable {row['detectable']:.2f} -> {row['word']}")
    assert row["word"] == BETTER
    assert row["ci_low"] <= 8.0 <= row["ci_high"]
    assert row["detectable"] < 8.0
    reverse = objective_row(verdict, LABELS[2])
    assert reverse["word"] == WORSE and reverse["ci_low"] <= -8.0 <= reverse["ci_high"]


@pytest.mark.parametrize("seed_sd, config_example_sd", [(0.02, 0.05), (0.04, 0.0)],
                         ids=["seeds-and-examples", "seeds-dominate"])
def test_null_simulations_rarely_declare_a_difference(seed_sd, config_example_sd):
    # 300 nulls each: every config from the same distribution. Seed effect sd 2 or 4 points; where it
    # dominates, Welch-Satterthwaite df would reject 6-8 % (module doc), S - 1 df stays at the level
    rng = np.random.default_rng(7)
    cells = [("xnli", "de"), ("xnli", "zh"), ("panx", "de")]
    shifts = {"english_only": 0.0, "non_english_only": 0.0, BEST: 0.0}
    reducers = {t: accuracy for t, _ in cells}
    batch = {t: accuracy_batch for t, _ in cells}
    simulations, declared, any_declared, raw = 300, 0, 0, 0
    for i in range(simulations):
        units = bernoulli_units(rng, shifts, cells, n=150, seed_sd=seed_sd, config_example_sd=config_example_sd)
        verdict = build_verdict(units, reducers, BEST, draws=500, rng_seed=i, from_units_batch=batch)
        objective = [r for r in verdict["rows"] if r["level"] == "objective"]
        declared += objective[0]["word"] != NO_DIFFERENCE
        any_declared += any(r["word"] != NO_DIFFERENCE for r in objective)
        raw += objective[0]["p"] < 0.05
    print(f"\nnull: best_mixed vs english_only declared {declared / simulations:.3f}, any of the three "
          f"{any_declared / simulations:.3f}, unadjusted p < 0.05 {raw / simulations:.3f} ({simulations} runs)")
    assert declared / simulations <= 0.05
    assert any_declared / simulations <= 0.05


def f1_units(rng, seeds=3, sentences=120):
    """(tp, fp, fn) per sentence; the mixture finds more entities and guesses less."""
    units = {}
    for config, (hit, false_alarm) in {"english_only": (0.6, 0.4), "non_english_only": (0.5, 0.5),
                                       BEST: (0.8, 0.2)}.items():
        units[config] = {}
        for s in range(seeds):
            gold = rng.integers(0, 4, sentences)
            tp = rng.binomial(gold, hit)
            fp = rng.binomial(3, false_alarm, sentences)
            units[config][s] = {("panx", "de"): np.stack([tp, fp, gold - tp], axis=1).astype(float)}
    return units


def test_f1_is_recomputed_from_summed_counts():
    units = f1_units(np.random.default_rng(3))
    verdict = build_verdict(units, {"panx": f1}, BEST, draws=300)
    by_seed = [f1(units[BEST][s][("panx", "de")]) - f1(units["english_only"][s][("panx", "de")]) for s in range(3)]
    row = objective_row(verdict, LABELS[0])
    assert row["diff"] == pytest.approx(np.mean(by_seed))
    # the mean of per-sentence F1 would be a different (wrong) number
    rows = units[BEST][0][("panx", "de")]
    rows = rows[2 * rows[:, 0] + rows[:, 1] + rows[:, 2] > 0]
    per_sentence = np.mean(2 * rows[:, 0] / (2 * rows[:, 0] + rows[:, 1] + rows[:, 2]))
    assert 100 * per_sentence != pytest.approx(f1(rows), abs=1.0)
    assert row["word"] == BETTER and row["ci_low"] < row["diff"] < row["ci_high"]
    # the batched reducer uses the same draws, so it gives the same verdict
    fast = build_verdict(units, {"panx": f1}, BEST, draws=300, from_units_batch={"panx": f1_batch})
    for slow_row, fast_row in zip(verdict["rows"], fast["rows"]):
        assert (fast_row["p"], fast_row["ci_low"]) == pytest.approx((slow_row["p"], slow_row["ci_low"]))


def test_holm_matches_hand_computation():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # capped at 1
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])


def test_one_seed_is_refused():
    units = bernoulli_units(np.random.default_rng(0), {"english_only": 0, "non_english_only": 0, BEST: 0},
                            [("xnli", "de")], n=50, seeds=1)
    with pytest.raises(ValueError, match="at least 2"):
        build_verdict(units, {"xnli": accuracy}, BEST)
    with pytest.raises(XmixError):
        build_verdict(units, {"xnli": accuracy}, BEST)


def test_unpaired_rows_and_missing_configs_are_refused():
    rng = np.random.default_rng(0)
    units = bernoulli_units(rng, {"english_only": 0, "non_english_only": 0, BEST: 0}, [("xnli", "de")], n=50)
    with pytest.raises(XmixError, match="no runs for"):
        build_verdict({k: v for k, v in units.items() if k != "non_english_only"}, {"xnli": accuracy}, BEST)
    with pytest.raises(XmixError, match=r"from_units_batch\['xnli'\] disagrees"):
        build_verdict(units, {"xnli": accuracy}, BEST, from_units_batch={"xnli": lambda rows: rows.sum(axis=-1)})
    units[BEST][1][("xnli", "de")] = units[BEST][1][("xnli", "de")][:40]
    with pytest.raises(XmixError, match=r"units\['t05 en=0.57'\]\[1\]"):
        build_verdict(units, {"xnli": accuracy}, BEST)


def small_verdict(notes=()):
    rng = np.random.default_rng(5)
    cells = [("xnli", "de"), ("xnli", "zh"), ("panx", "de")]
    units = bernoulli_units(rng, {"english_only": 0.0, "non_english_only": -0.1, BEST: 0.15, "uniform": 0.0},
                            cells, n=200, seed_sd=0.005)
    # a collapsed cell: the same rows everywhere
    for config in units:
        for seed in units[config]:
            units[config][seed][("xnli", "zh")] = np.r_[np.ones(74), np.zeros(126)]
    return build_verdict(units, {"xnli": accuracy, "panx": accuracy}, BEST, draws=400, notes=list(notes))


def test_output_is_json_and_flags_degenerate_cells():
    verdict = small_verdict(notes=["zero-shot opt-in: ocnli.zh trains NLI in zh"])
    assert verdict["schema"] == SCHEMA
    json.dumps(verdict, allow_nan=False)
    assert verdict["holm_families"] == {"objective": 3, "task": 6, "language": 9}
    assert verdict["n"] == {"xnli": {"de": 200, "zh": 200}, "panx": {"de": 200}}
    assert verdict["degenerate"] == [{"task": "xnli", "language": "zh", "score": 37.0}]
    collapsed = [r for r in verdict["rows"] if r["language"] == "zh"]
    assert all(r["diff"] == 0 and r["p"] == 1.0 and r["word"] == NO_DIFFERENCE and r["degenerate"] for r in collapsed)
    assert {r["config"] for r in verdict["scores"]} == {"english_only", "non_english_only", BEST, "uniform"}
    assert verdict["headline"].startswith("Objective over 3 seeds")


def test_markdown_states_comparisons_words_families_and_notes(tmp_path):
    verdict = small_verdict(notes=["zero-shot opt-in: ocnli.zh trains NLI in zh"])
    text = verdict_markdown(verdict)
    for label in LABELS:
        assert label in text
    columns = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
    verdict_column = {cells[8].strip() for cells in columns if len(cells) == 10}
    assert {BETTER, NO_DIFFERENCE} <= verdict_column
    assert "Holm families: objective 3, tasks 6, languages 9" in text
    assert "- zero-shot opt-in: ocnli.zh trains NLI in zh" in text
    assert "- degenerate: xnli/zh scores 37.00 in every config and seed" in text
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| level")))
    table = lines[start:lines.index("", start)]
    assert len(table) == 2 + 3 + 6 + 9 and len({len(line) for line in table}) == 1  # fixed column widths
    assert text.index("\n| objective") < text.index("\n| task") < text.index("\n| language")
    figure = verdict_figure(verdict, tmp_path / "verdict.png")
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
