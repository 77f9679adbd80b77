"""Probe behind RESULTS.md notes (2026-12-02): the same plain loop on the main thread, on a
second thread, in a plain Ray actor, and beside an idle Ray. Usage:
    TH=2 PYTHONPATH=. .venv/bin/python benchmarks/experiments-2026-12-02/thread_probe.py main|thread|actor
"""
import os
import statistics
import sys
import tempfile
import threading

import torch

from benchmarks.common import cache_dir
from benchmarks.train_loop import build_batches, plain_loop
from training.loop import quiet_libraries

THREADS = int(os.environ.get("TH", 2))
WARMUP = 8


def mean_step(batches, labels) -> float:
    return statistics.mean(plain_loop(batches, labels, THREADS)[WARMUP:])


def main(mode: str) -> None:
    quiet_libraries()
    batches, labels = build_batches(40, cache_dir(None))
    if mode == "main":
        print(mode, mean_step(batches, labels))
    elif mode == "thread":
        out = {}
        thread = threading.Thread(target=lambda: out.setdefault("step_s", mean_step(batches, labels)))
        thread.start()
        thread.join()
        print(mode, out["step_s"])
    elif mode == "actor":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": os.getcwd()}})
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "batches.pt")
            torch.save(batches, path)

            @ray.remote(num_cpus=2)
            class Probe:
                def mean_step(self) -> float:
                    return mean_step(torch.load(path), labels)

            print(mode, ray.get(Probe.remote().mean_step.remote()))
        print("main-with-ray-idle", mean_step(batches, labels))
    else:
        raise SystemExit(f"mode {mode!r}: expected main, thread or actor")


if __name__ == "__main__":
    main(sys.argv[1])
