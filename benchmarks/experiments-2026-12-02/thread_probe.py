"""Probe behind RESULTS.md notes (2026-12-02): the same plain loop on the main thread, on a
second thread, in a plain Ray actor, and beside an idle Ray. Usage:
    TH=2 PYTHONPATH=. .venv/bin/python benchmarks/experiments-2026-12-02/thread_probe.py main|thread|actor
"""
import time, threading, sys, os, statistics
import torch
from benchmarks.common import *
from benchmarks.train_loop import build_batches, plain_loop
from training.loop import quiet_libraries
quiet_libraries()
batches = build_batches(40, cache_dir(None))
def run():
    return statistics.mean(plain_loop(batches, 3, int(os.environ.get("TH", 2)))[8:])
mode = sys.argv[1]
if mode == "main":
    print(mode, run())
elif mode == "thread":
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("v", run())); t.start(); t.join(); print(mode, out["v"])
elif mode == "actor":
    import ray
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": os.getcwd()}})
    torch.save(batches, "/tmp/prof/b.pt")
    @ray.remote(num_cpus=2)
    class A:
        def go(self):
            import torch
            from benchmarks.train_loop import plain_loop
            b = torch.load("/tmp/prof/b.pt")
            return statistics.mean(plain_loop(b, 3, int(os.environ.get("TH", 2)))[8:])
    a = A.remote(); print(mode, ray.get(a.go.remote()))
    print("main-with-ray-idle", run())
