"""What one demo run costs, per stage: ``run_plan`` on configs/demo.yaml (with ``--set``-style
overrides), uniform mixture, seed 0, once scoring the search sets and once the report sets.

    THREADS=2 python -m benchmarks.experiments-issue10.run_cost model.num_layers=3 ...
    (or: python benchmarks/experiments-issue10/run_cost.py ...)

Prints the timing of each run, the cells whose predictions were one answer, and the task scores.
Used for the table "The demo's budget" in benchmarks/RESULTS.md.
"""
import os
import sys

import torch

from sweep.spec import load_spec
from sweep.validate import build_plan
from training.loop import quiet_libraries, run_plan


def main(overrides: list[str]) -> None:
    quiet_libraries()
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    plan = build_plan(load_spec("configs/demo.yaml", overrides))
    uniform = {source: 1 / len(plan.sources) for source in plan.sources}
    for role in ("search", "report"):
        outcome = run_plan(plan.for_run(uniform, 0, (role,)))
        print(role, {k: round(v, 1) for k, v in outcome.timing.items()}, outcome.degenerate,
              {task: round(entry["score"], 1) for task, entry in outcome.scores[role]["tasks"].items()}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
