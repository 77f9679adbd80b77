"""How much of trials.csv's spread is the seed, not the mixture.

    python -m benchmarks.seed_noise [--table benchmarks/trials.csv] [--row 0] [--seeds 1 2 3]

Re-runs one recorded row's mixture under ``record_trials``' exact config with
other seeds. If the seed moves the score as far as the mixtures do, no sampler
can beat random search on this table, and ``search_efficiency`` says so.

The recorded score joins the range only when the row was recorded under the config
this code builds (its ``config`` column); otherwise (a table from older code, such as
the historical benchmarks/trials.csv) it is printed beside the re-runs but left out
of the range: pass seed 0 in ``--seeds`` to re-run the row's own seed.
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from benchmarks.common import cache_dir, prepare_environment
from benchmarks.record_trials import DEFAULT_OUT


def recorded_row(table: Path, index: int) -> dict:
    from evaluation.errors import XmixError

    with open(table, newline="") as handle:
        row = next((r for r in csv.DictReader(handle) if int(r["index"]) == index), None)
    if row is None:
        raise XmixError(f"{table}: no row with index {index} (--row)")
    return row


def row_mixture(table: Path, row: dict, plan) -> dict[str, float]:
    """The row's mixture; refused if it draws on a source the config no longer lists
    (the zero-shot guard may have dropped it from configs/demo.yaml)."""
    from evaluation.errors import XmixError

    mixture = {key[len("mix/"):]: float(value) for key, value in row.items() if key.startswith("mix/")}
    unknown = sorted(source for source, weight in mixture.items() if weight > 0 and source not in plan.sources)
    if unknown:
        raise XmixError(f"{table}: row {row['index']} trains on {', '.join(unknown)}, which "
                        f"configs/demo.yaml no longer lists (intermediate.sources); record a new table")
    return mixture


def main(argv: list[str] | None = None) -> int:
    prepare_environment()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seed_noise", description=__doc__.split("\n")[0])
    parser.add_argument("--table", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--row", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch

    from benchmarks.record_trials import (EVAL_CAP, NUM_LAYERS, STAGE1_STEPS, STAGE2_STEPS, cheap_plan,
                                          config_id)
    from benchmarks.search_efficiency import score_column
    from training.encoder_cache import EncoderCache
    from training.loop import final_metrics, quiet_libraries, run_plan
    from training.plan import SEARCH

    quiet_libraries()
    torch.set_num_threads(args.threads)
    row = recorded_row(args.table, args.row)
    column = score_column(args.table, row)
    # record_trials' defaults: the rows must be comparable to the table's.
    _, plan = cheap_plan(NUM_LAYERS, STAGE1_STEPS, STAGE2_STEPS, EVAL_CAP, cache_dir(None))
    mixture = row_mixture(args.table, row, plan)
    encoders = EncoderCache()
    objective = f"{SEARCH}/xtreme_r/score"
    scores = {}
    for seed in args.seeds:
        run = plan.for_run(mixture, seed, (SEARCH,))
        scores[seed] = final_metrics(run, run_plan(run, encoders=encoders))[objective]
        print(f"row {args.row}, seed {seed}: {objective} {scores[seed]:.2f}", flush=True)
    recorded = float(row[column])
    comparable = row["config"] == config_id(plan)
    every = [recorded, *scores.values()] if comparable else list(scores.values())
    print(json.dumps({"row": args.row, "seed_0_recorded": recorded, "recorded_config": row["config"],
                      "config": config_id(plan), "recorded_in_range": comparable, "other_seeds": scores,
                      "range_over_seeds": max(every) - min(every)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
