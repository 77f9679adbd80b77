"""``python -m benchmarks.run [--quick] [--json FILE] [--only NAME,...]``: issue 5's figures, side by side.

Every figure is measured in this one process on this machine, so the ratios
compare like with like. ``--quick`` shrinks steps, trials and seeds to check that
everything runs (minutes); its numbers are not the figures to record.
A measurement that fails is reported as failed (traceback on stderr) and the rest
still run; the exit status is then 1.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from benchmarks.common import Figure, cache_dir, git_commit, machine, prepare_environment

# Measurement -> the figures it produces, in run order: the sweep last among the
# timed ones, so its Ray clusters cannot leave anything running under the others.
MEASUREMENTS: dict[str, tuple[str, ...]] = {
    "train_loop": ("train_loop_ratio",),
    "hf_trainer": ("tokens_per_s_vs_hf_trainer",),
    "pad_share": ("pad_share",),
    "eval": ("eval_examples_per_s",),
    "sweep": ("trial_overhead_s", "trial_overhead_s_ray_train", "data_prep_ratio"),
    "search": ("search_efficiency",),
    "demo": ("demo_wall_s",),
    "mfu": ("mfu",),
}
FIGURES = [name for names in MEASUREMENTS.values() for name in names]
DEMO_GOAL_S = 900


def demo_wall(args) -> dict[str, Figure]:
    """Measured outside (``time make demo``): a demo run here would take the machine for 15 minutes."""
    goal = f"<= {DEMO_GOAL_S} s"
    value, source = args.demo_wall_s, "--demo-wall-s"
    if value is None and args.demo_wall_json:
        raw = json.loads(Path(args.demo_wall_json).read_text())
        value, source = raw.get("demo_wall_s", raw.get("wall_s")), str(args.demo_wall_json)
    if value is None:
        return {"demo_wall_s": Figure(goal=goal, note="not given: time `make demo`, pass --demo-wall-s SECONDS")}
    return {"demo_wall_s": Figure(value=float(value), goal=goal, met=float(value) <= DEMO_GOAL_S,
                                  details={"source": source})}


def runner(name: str, args) -> Callable[[], dict[str, Figure]]:
    cache = cache_dir(args.cache_dir)
    if name == "train_loop":
        from benchmarks import train_loop
        return lambda: train_loop.measure(args.quick, args.threads, cache)
    if name == "hf_trainer":
        from benchmarks import throughput
        return lambda: throughput.measure_hf_ratio(args.quick, args.threads, cache)
    if name == "pad_share":
        from benchmarks import throughput
        return lambda: throughput.measure_pad_share(args.quick, args.threads, cache)
    if name == "eval":
        from benchmarks import eval_speed
        return lambda: eval_speed.measure(args.quick, args.threads, cache)
    if name == "sweep":
        from benchmarks import sweep_overhead
        return lambda: sweep_overhead.measure(args.quick, args.threads, cache)
    if name == "search":
        from benchmarks import search_efficiency
        return lambda: search_efficiency.measure(args.quick, args.trials_csv, args.seeds)
    if name == "demo":
        return lambda: demo_wall(args)
    if name == "mfu":
        from benchmarks import mfu
        peak = args.peak_tflops * 1e12 if args.peak_tflops else None
        return lambda: mfu.measure(args.quick, args.threads, cache, peak)
    raise KeyError(name)


def show(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k} {show(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(figures: dict[str, Figure]) -> str:
    rows = [("figure", "value", "goal", "met?")]
    for name, figure in figures.items():
        met = {True: "yes", False: "NO", None: "-"}[figure.met]
        rows.append((name, show(figure.value) + (f"  ({figure.note})" if figure.note else ""), figure.goal, met))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths + [0])).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths + [4]))
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs, not the figures")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--only", default="", help=f"comma-separated figures: {', '.join(FIGURES)}")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads on both sides")
    parser.add_argument("--cache-dir", type=Path, help="tokenised-data cache for the figures that do not time it")
    parser.add_argument("--trials-csv", type=Path, default=None, help="table for search_efficiency")
    parser.add_argument("--seeds", type=int, default=None, help="search_efficiency seeds (default 20, quick 3)")
    parser.add_argument("--demo-wall-s", type=float, help="measured wall time of `make demo`")
    parser.add_argument("--demo-wall-json", type=Path, help='JSON file with "demo_wall_s" (or "wall_s")')
    parser.add_argument("--peak-tflops", type=float, help="GPU dense bf16 peak, when the card is not known")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in FIGURES]
    if unknown:
        parser.error(f"--only: unknown figure(s) {', '.join(unknown)} (known: {', '.join(FIGURES)})")
    args.wanted = wanted or FIGURES
    if args.trials_csv is None:
        from benchmarks.search_efficiency import DEFAULT_TABLE
        args.trials_csv = DEFAULT_TABLE
    return args


def main(argv: list[str] | None = None) -> int:
    prepare_environment()
    args = parse_args(argv)
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
            "machine": machine(), "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
            "quick": args.quick, "threads": args.threads}
    figures: dict[str, Figure] = {}
    failed = False
    for measurement, names in MEASUREMENTS.items():
        if not any(name in args.wanted for name in names):
            continue
        print(f"== {measurement}", flush=True)
        begin = time.perf_counter()
        try:
            produced = runner(measurement, args)()
        except Exception as error:  # noqa: BLE001  (reported in the table and JSON, traceback kept)
            traceback.print_exc()
            failed = True
            produced = {name: Figure(note=f"failed: {error!r}"[:300]) for name in names}
        for name in names:
            if name in args.wanted and name in produced:  # --quick skips some (the ray_train sweeps)
                figures[name] = produced[name]
        print(f"== {measurement}: {time.perf_counter() - begin:.1f} s", flush=True)
    print()
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, **{k: f.to_dict() for k, f in figures.items()}}, indent=2,
                                        default=str))
        print(f"\nwrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
