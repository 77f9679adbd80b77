"""Records real trial results for the tabular search benchmark: benchmarks/trials.csv.

    python -m benchmarks.record_trials [--trials 64] [--limit N] [--out FILE]

Each row is one mixture, drawn at random in the sweep's own parameterisation
(``sweep.search_space``: english_share ~ U(0, 1), u_source ~ U(U_LOW, 1), i.e.
Dirichlet(1) inside each language group), trained and scored in-process by
``training.loop.run_plan`` with the real model and data. The config is the demo's
sources and targets made cheap (2 layers, few steps, capped eval sets), so 64 rows
take one to two hours on 2 cores (a warm-cache row took 126 s on a
busy 2-core machine; the first row also tokenises every source). Every row uses the same seed, so score
differences come from the mixture, not from data order.

Each row is scored on the targets' search sets and its columns carry the sweep's
metric names (``search/xtreme_r/score``, ``search/xtreme_r/<task>``). Tables recorded
before issue 10 name the objective ``xtreme_r/score``; ``search_efficiency`` reads both.

Resumable: draw i is always the same mixture (one seeded generator, a fixed number
of draws per row), rows already in the file are skipped, and a file recorded
under another config is refused rather than mixed in (benchmarks/trials.csv is such a
historical table: record a new one with ``--out``).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from pathlib import Path

from benchmarks.common import PROJECT_ROOT, cache_dir, prepare_environment

DEFAULT_OUT = PROJECT_ROOT / "benchmarks" / "trials.csv"
DRAW_SEED = 0
TIMING_KEYS = ("model_load_s", "data_prep_s", "intermediate_s", "stage2_s", "eval_s")
# The table's config (CLI defaults): what makes rows comparable, also for benchmarks.seed_noise.
NUM_LAYERS, STAGE1_STEPS, STAGE2_STEPS, EVAL_CAP = 2, 40, 30, 60


def cheap_plan(num_layers: int, stage1_steps: int, stage2_steps: int, eval_cap: int, cache: Path):
    import yaml

    from dataclasses import replace

    from benchmarks.common import MODEL_PATH
    from sweep.spec import spec_from_dict
    from sweep.validate import build_plan

    raw = yaml.safe_load((PROJECT_ROOT / "configs" / "demo.yaml").read_text())
    raw["model"].update(name_or_path=str(MODEL_PATH), num_layers=num_layers)
    raw["intermediate"]["steps"], raw["stage2"]["steps"] = stage1_steps, stage2_steps
    for target in raw["targets"].values():
        target["eval_cap"] = eval_cap
    spec = spec_from_dict(raw, "configs/demo.yaml (record_trials)")
    return spec, replace(build_plan(spec), cache_dir=str(cache))


def row_plan(plan, mixture: dict[str, float]):
    """One row's run: its mixture under the table's one seed, scored on the search sets only."""
    from training.plan import SEARCH

    return plan.for_run(mixture, plan.seed, (SEARCH,))


def config_id(plan) -> str:
    """What makes rows comparable: the plan without its mixture and cache location."""
    fixed = {k: v for k, v in plan.to_dict().items() if k not in ("mixture", "cache_dir")}
    return hashlib.sha256(json.dumps(fixed, sort_keys=True, default=str).encode()).hexdigest()[:12]


def draw_params(groups, count: int) -> list[dict[str, float]]:
    import numpy as np

    from sweep.search_space import SHARE, U_LOW, u_key

    rng = np.random.default_rng(DRAW_SEED)
    searched = [s for group in (groups.english, groups.non_english) if len(group) > 1 for s in group]
    draws = []
    for _ in range(count):
        params = {SHARE: float(rng.uniform(0.0, 1.0))} if groups.searched_share else {}
        params.update({u_key(s): float(rng.uniform(U_LOW, 1.0)) for s in searched})
        draws.append(params)
    return draws


def existing_rows(path: Path, config: str) -> set[int]:
    if not path.is_file():
        return set()
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    foreign = {row["config"] for row in rows} - {config}
    if foreign:
        raise SystemExit(f"{path}: recorded under config {sorted(foreign)}, this run is {config}; "
                         "use another --out or the same settings")
    return {int(row["index"]) for row in rows}


def record(args: argparse.Namespace) -> int:
    import torch

    from sweep.search_space import Groups, mixture_from_params
    from training.loop import final_metrics, quiet_libraries, run_plan
    from training.plan import SEARCH

    quiet_libraries()
    torch.set_num_threads(args.threads)
    spec, plan = cheap_plan(args.num_layers, args.stage1_steps, args.stage2_steps, args.eval_cap,
                            cache_dir(args.cache_dir))
    groups = Groups.of(spec.intermediate.sources)
    config = config_id(plan)
    done = existing_rows(args.out, config)
    sources = list(spec.intermediate.sources)
    targets = [t.name for t in plan.targets]
    # The sweep's metric names (training.loop.final_metrics), so a table reads like the runs.
    score_keys = [f"{SEARCH}/xtreme_r/score"] + [f"{SEARCH}/xtreme_r/{t}" for t in targets]
    fields = (["index", "config"] + list(draw_params(groups, 1)[0]) + [f"mix/{s}" for s in sources]
              + score_keys + ["total_s"] + [f"timing/{k}" for k in TIMING_KEYS])
    recorded = 0
    for index, params in enumerate(draw_params(groups, args.trials)):
        if index in done:
            continue
        if args.limit is not None and recorded >= args.limit:
            break
        mixture = mixture_from_params(groups, params)
        begin = time.perf_counter()
        run = row_plan(plan, mixture)
        outcome = run_plan(run)
        final = final_metrics(run, outcome)
        row = {"index": index, "config": config, **params, **{f"mix/{s}": mixture.get(s, 0.0) for s in sources},
               **{key: final[key] for key in score_keys},
               "total_s": round(time.perf_counter() - begin, 2),
               **{f"timing/{k}": round(outcome.timing.get(k, 0.0), 2) for k in TIMING_KEYS}}
        new_file = not args.out.is_file()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a", newline="") as handle:  # one row at a time: an interrupted run keeps its rows
            writer = csv.DictWriter(handle, fieldnames=fields)
            if new_file:
                writer.writeheader()
            writer.writerow(row)
        recorded += 1
        stages = ", ".join(f"{k} {row[f'timing/{k}']:.0f}" for k in TIMING_KEYS)
        print(f"trial {index}: {score_keys[0]} {row[score_keys[0]]:.2f} in {row['total_s']:.1f} s ({stages})",
              flush=True)
    print(f"{args.out}: {len(done) + recorded} of {args.trials} trials recorded")
    return 0


def main(argv: list[str] | None = None) -> int:
    import os

    prepare_environment()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.record_trials", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=64, help="rows the table should hold (>= 64 for the figure)")
    parser.add_argument("--limit", type=int, default=None, help="record at most N new rows in this run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--num-layers", type=int, default=NUM_LAYERS)
    parser.add_argument("--stage1-steps", type=int, default=STAGE1_STEPS)
    parser.add_argument("--stage2-steps", type=int, default=STAGE2_STEPS)
    parser.add_argument("--eval-cap", type=int, default=EVAL_CAP, help="examples per target language")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cache-dir", type=Path, default=None, help="tokenised-data cache (default: XMIX_CACHE)")
    return record(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
