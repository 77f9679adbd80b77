"""search_efficiency: how many trials TPE needs, relative to random search, on recorded trials.

    python -m benchmarks.search_efficiency [--table benchmarks/trials.csv] [--seeds 20] [--startup-trials 10]

The table (``record_trials``) is a tabular benchmark: a sampler proposes params in
the sweep's own space (``sweep.search_space.MixtureSpace``), the params become a
mixture, and the score is that of the nearest recorded mixture (Euclidean over the
source weights). Per seed: random search runs 64 trials; its best score is the
target and the trial that found it is random's count; TPE (and GP, for comparison)
then run with the same seed until they reach that target, at most ``budget``
trials; a run that never does counts as budget + 1. The figure is
median(TPE's counts) / median(random's counts). TPE and GP are the sweep's own
(``sweep.driver.SAMPLERS``) with ``startup_trials`` random proposals first (the spec's
``search.startup_trials``, default 10).

The score column is the sweep's objective: ``search/xtreme_r/score`` in tables that
``record_trials`` writes now, ``xtreme_r/score`` in tables recorded before the metrics
carried their evaluation role (the historical benchmarks/trials.csv).
"""
from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

from benchmarks.common import PROJECT_ROOT, Figure

DEFAULT_TABLE = PROJECT_ROOT / "benchmarks" / "trials.csv"
RANDOM_TRIALS = 64
GOAL = 0.33
SAMPLER_SEED_OFFSET = 10_000
# The objective's column, newest name first: tables recorded before issue 10 lack the role prefix.
SCORE_COLUMNS = ("search/xtreme_r/score", "xtreme_r/score")


def score_column(path: Path, header) -> str:
    """The objective's column in a recorded table."""
    from evaluation.errors import XmixError

    found = next((name for name in SCORE_COLUMNS if name in header), None)
    if found is None:
        raise XmixError(f"{path}: no score column (expected one of {', '.join(SCORE_COLUMNS)})")
    return found


def default_startup_trials() -> int:
    from sweep.spec import SearchSpec

    return SearchSpec.model_fields["startup_trials"].default


class Table:
    def __init__(self, path: Path) -> None:
        import numpy as np

        from sweep.search_space import Groups

        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            from evaluation.errors import XmixError

            raise XmixError(f"{path}: no recorded trials")
        self.score_column = score_column(path, rows[0])
        self.sources = [name[len("mix/"):] for name in rows[0] if name.startswith("mix/")]
        self.groups = Groups.of(self.sources)
        self.mixtures = np.array([[float(row[f"mix/{s}"]) for s in self.sources] for row in rows])
        self.scores = np.array([float(row[self.score_column]) for row in rows])

    def __len__(self) -> int:
        return len(self.scores)

    def score(self, params: dict) -> float:
        import numpy as np

        from sweep.search_space import mixture_from_params

        mixture = mixture_from_params(self.groups, params)
        point = np.array([mixture.get(s, 0.0) for s in self.sources])
        return float(self.scores[np.argmin(((self.mixtures - point) ** 2).sum(axis=1))])


def search(table: Table, sampler, trials: int, target: float | None = None) -> list[float]:
    """Scores in trial order; stops early once ``target`` is reached."""
    import optuna

    from sweep.search_space import MixtureSpace

    study = optuna.create_study(direction="maximize", sampler=sampler)
    space = MixtureSpace(table.groups)
    scores = []
    for _ in range(trials):
        trial = study.ask()
        space(trial)  # the sweep's define-by-run space, so the samplers see the sweep's parameters
        scores.append(table.score(trial.params))
        study.tell(trial, scores[-1])
        if target is not None and scores[-1] >= target:
            break
    return scores


def trials_to_reach(scores: list[float], target: float, budget: int) -> int:
    return next((i + 1 for i, s in enumerate(scores) if s >= target), budget + 1)


def measure_table(table: Table, seeds: int, budget: int, samplers=("tpe", "gp"),
                  startup_trials: int | None = None) -> dict:
    import optuna

    # The sweep's own sampler constructors, so "TPE" here is exactly the sweep's TPE.
    from sweep.driver import SAMPLERS

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    startup = default_startup_trials() if startup_trials is None else startup_trials
    counts: dict[str, list[int]] = {"random": [], **{name: [] for name in samplers}}
    targets = []
    for seed in range(seeds):
        random_scores = search(table, SAMPLERS["random"](seed, startup), RANDOM_TRIALS)
        target = max(random_scores)
        targets.append(target)
        counts["random"].append(trials_to_reach(random_scores, target, RANDOM_TRIALS))
        for name in samplers:
            # Another seed: TPE's start-up trials come from RandomSampler(seed), which would
            # replay random's first trials and tie the two counts together.
            sampler = SAMPLERS[name](seed + SAMPLER_SEED_OFFSET, startup)
            counts[name].append(trials_to_reach(search(table, sampler, budget, target), target, budget))
    medians = {name: statistics.median(values) for name, values in counts.items()}
    return {"ratio": {name: medians[name] / medians["random"] for name in samplers}, "median_trials": medians,
            "not_reached": {name: sum(c > budget for c in counts[name]) for name in samplers},
            "counts": counts, "targets": targets, "table_rows": len(table), "table_best": float(table.scores.max()),
            "seeds": seeds, "budget": budget, "random_trials": RANDOM_TRIALS, "startup_trials": startup,
            "score_column": table.score_column}


def strongest_weight_correlation(table: Table) -> dict:
    from scipy.stats import spearmanr

    best = {"source": None, "rho": 0.0, "p_value": 1.0}
    for column, source in enumerate(table.sources):
        rho, p_value = spearmanr(table.mixtures[:, column], table.scores)
        if abs(rho) > abs(best["rho"]):
            best = {"source": source, "rho": float(rho), "p_value": float(p_value)}
    return best


def measure(quick: bool, table_path: Path = DEFAULT_TABLE, seeds: int | None = None,
            startup_trials: int | None = None) -> dict[str, Figure]:
    goal = f"<= {GOAL:g} (median trials TPE / random)"
    if not Path(table_path).is_file():
        return {"search_efficiency": Figure(goal=goal, note=f"{table_path} missing: run python -m benchmarks.record_trials")}
    table = Table(Path(table_path))
    seeds = seeds or (3 if quick else 20)
    result = measure_table(table, seeds, budget=RANDOM_TRIALS, startup_trials=startup_trials)
    ratio = result["ratio"]["tpe"]
    note = "" if len(table) >= 64 else f"table holds {len(table)} rows; the figure needs >= 64"
    # Is there anything to find? The strongest rank correlation of one mixture weight with the score.
    result["strongest_weight_spearman"] = strongest_weight_correlation(table)
    return {"search_efficiency": Figure(value=ratio, goal=goal, met=ratio <= GOAL and len(table) >= 64,
                                        details=result | {"gp_ratio": result["ratio"]["gp"]}, note=note)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_efficiency", description=__doc__.split("\n")[0])
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--startup-trials", type=int, default=None,
                        help="random proposals before TPE / GP model (default: the spec's search.startup_trials)")
    args = parser.parse_args(argv)
    figure = measure(False, args.table, args.seeds, args.startup_trials)["search_efficiency"]
    if figure.value is None:
        print(figure.note)
        return 1
    details = figure.details
    print(f"table: {details['table_rows']} rows ({details['score_column']}), best {details['table_best']:.2f}; "
          f"seeds {details['seeds']}, startup trials {details['startup_trials']}")
    for name, median in details["median_trials"].items():
        print(f"{name:>6}: median {median:g} trials" + (f", ratio {details['ratio'][name]:.2f}, not reached "
                                                        f"{details['not_reached'][name]}" if name != "random" else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
