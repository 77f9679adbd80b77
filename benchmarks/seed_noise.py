"""How much of trials.csv's spread is the seed, not the mixture.

    python -m benchmarks.seed_noise [--row 0] [--seeds 1 2 3]

Re-runs one recorded row's mixture under ``record_trials``' exact config with
other seeds. If the seed moves the score as far as the mixtures do, no sampler
can beat random search on this table, and ``search_efficiency`` says so.
"""
from __future__ import annotations

import argparse
import csv
import json

from benchmarks.common import cache_dir, prepare_environment
from benchmarks.record_trials import DEFAULT_OUT


def main(argv: list[str] | None = None) -> int:
    prepare_environment()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seed_noise", description=__doc__.split("\n")[0])
    parser.add_argument("--table", default=DEFAULT_OUT)
    parser.add_argument("--row", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch

    from benchmarks.record_trials import EVAL_CAP, NUM_LAYERS, STAGE1_STEPS, STAGE2_STEPS, cheap_plan
    from evaluation.scores import objective
    from training.encoder_cache import EncoderCache
    from training.loop import quiet_libraries, run_plan
    from training.plan import TrialPlan

    quiet_libraries()
    torch.set_num_threads(args.threads)
    with open(args.table, newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if int(r["index"]) == args.row)
    # record_trials' defaults: the rows must be comparable to the table's.
    _, plan = cheap_plan(NUM_LAYERS, STAGE1_STEPS, STAGE2_STEPS, EVAL_CAP, cache_dir(None))
    mixture = {key[len("mix/"):]: float(value) for key, value in row.items() if key.startswith("mix/")}
    encoders = EncoderCache()
    scores = {}
    for seed in args.seeds:
        seeded = TrialPlan.from_dict({**plan.with_mixture(mixture).to_dict(), "seed": seed})
        outcome = run_plan(seeded, encoders=encoders)
        scores[seed] = objective(outcome["scores"], [t.name for t in seeded.targets])
        print(f"row {args.row}, seed {seed}: xtreme_r/score {scores[seed]:.2f}", flush=True)
    recorded = float(row["xtreme_r/score"])
    every = [recorded, *scores.values()]
    print(json.dumps({"row": args.row, "seed_0_recorded": recorded, "other_seeds": scores,
                      "range_over_seeds": max(every) - min(every)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
