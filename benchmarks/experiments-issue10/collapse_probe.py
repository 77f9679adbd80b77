"""Does a demo setting leave a target collapsed? ``run_plan`` on configs/demo.yaml (with
``--set``-style overrides) for the english_only and the non_english_only mixture, seed 0,
search sets; prints each run's wall time, its one-answer cells and its XNLI / PAN-X scores.

    THREADS=2 python benchmarks/experiments-issue10/collapse_probe.py intermediate.steps=20 ...
"""
import os
import sys
import time

import torch

from sweep.search_space import Groups
from sweep.spec import load_spec
from sweep.validate import build_plan
from training.loop import quiet_libraries, run_plan


def main(overrides: list[str]) -> None:
    quiet_libraries()
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    plan = build_plan(load_spec("configs/demo.yaml", overrides))
    groups = Groups.of(plan.sources)
    for name, group in (("english_only", groups.english), ("non_english_only", groups.non_english)):
        begin = time.time()
        outcome = run_plan(plan.for_run({source: 1 / len(group) for source in group}, 0, ("search",)))
        tasks = outcome.scores["search"]["tasks"]
        print(name, round(time.time() - begin), outcome.degenerate,
              {task: {language: round(metrics.get("accuracy", metrics.get("f1", 0.0)), 1)
                      for language, metrics in entry["languages"].items()}
               for task, entry in tasks.items() if task != "tatoeba"}, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
