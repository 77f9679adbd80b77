"""train_loop_ratio: xmix's loop inside a 1-worker TorchTrainer vs a plain PyTorch loop.

Both sides get the same model (same weights, same head init), the same pre-built
batches in the same order, the same step count and thread count. Only the steps
are timed: Ray start-up, worker start and model load are what ``trial_overhead_s``
measures. The plain loop does the same arithmetic as ``training.loop._train``
(fused AdamW, linear warm-up, clipping, ``loss.item()``), so the ratio is what the
loop and Ray Train add, not a difference in optimiser work.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import (BATCH_SIZE, LR, MAX_LENGTH, NUM_LAYERS, Figure, StepClock, after_warmup,
                               load_encoder_model, load_tokenizer, mnli_stage2)

STREAM = "mnli"
SEED = 0
REPORT_EVERY = 10  # as TrialPlan.report_every: ray.train.report's cost belongs to the loop


class ListStream:
    """Replays pre-built batches: the stream interface ``_train`` expects, with no collation cost."""

    def __init__(self, batches: list[dict]) -> None:
        self.batches = batches
        self.position = 0

    def next(self) -> dict:
        batch = self.batches[self.position % len(self.batches)]
        self.position += 1
        return batch


def build_batches(steps: int, cache: Path) -> tuple[list[dict], tuple[str, ...]]:
    """(batches, their label names): the labels choose the head (one per label space)."""
    from training.batches import BatchStream

    tokenizer = load_tokenizer()
    features, fmt, labels = mnli_stage2(tokenizer, MAX_LENGTH, cache)
    stream = BatchStream(features, fmt, tokenizer, BATCH_SIZE, SEED)
    return [dict(stream.next()) for _ in range(steps)], tuple(labels)


def plain_loop(batches: list[dict], labels: tuple[str, ...], threads: int) -> list[float]:
    """Step times of a hand-written loop: forward, backward, clip, step, schedule, zero_grad."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.set_num_threads(threads)
    _, model, head = load_encoder_model(NUM_LAYERS, labels, SEED)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR, fused=True)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, len(batches) // 10), len(batches))
    model.train()
    clock = StepClock()
    for batch in batches:
        clock.mark()
        loss = model(head, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()
    clock.stop()
    return clock.step_times()


def worker(config: dict) -> None:
    """Ray Train entry point: the real ``_train`` on the replayed batches, wrapped as trials wrap it."""
    import ray.train
    import torch
    from ray.train.torch import prepare_model

    from training.loop import _train, quiet_libraries

    quiet_libraries()
    torch.set_num_threads(config["threads"])
    batches = torch.load(config["batches_path"])
    _, model, head = load_encoder_model(NUM_LAYERS, tuple(config["labels"]), SEED)
    model = prepare_model(model, parallel_strategy_kwargs={"find_unused_parameters": True})
    clock = StepClock()

    def draw() -> str:
        clock.mark()
        return STREAM

    _train(model, {STREAM: ListStream(batches)}, draw, lambda _: head, len(batches), LR,
           ray.train.report, REPORT_EVERY, "intermediate")
    clock.stop()
    if ray.train.get_context().get_world_rank() == 0:
        # Train V2 returns no metrics without a checkpoint; the benchmark runs on one machine,
        # so a file is the simplest way back.
        Path(config["out_path"]).write_text(json.dumps(clock.step_times()))


def ray_train_loop(batches_path: Path, labels: tuple[str, ...], steps: int, threads: int, folder: Path) -> list[float]:
    import ray
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from sweep.driver import ensure_ray

    out_path = folder / "ray_step_times.json"
    started_here = not ray.is_initialized()
    # The sweep's own Ray set-up: with its dashboard, Train V2's placement-group cleaner
    # finds the State API instead of spinning (and taking CPU from the timed worker).
    ensure_ray(1)
    try:
        trainer = TorchTrainer(
            worker,
            train_loop_config={"batches_path": str(batches_path), "labels": list(labels), "threads": threads,
                               "out_path": str(out_path)},
            scaling_config=ScalingConfig(num_workers=1, resources_per_worker={"CPU": threads}),
            run_config=RunConfig(name="bench-train-loop", storage_path=str(folder / "ray")),
        )
        trainer.fit()
    finally:
        if started_here:
            ray.shutdown()
    times = json.loads(out_path.read_text())
    if len(times) != steps:
        raise RuntimeError(f"Ray Train loop recorded {len(times)} step times, expected {steps}")
    return times


def measure(quick: bool, threads: int, cache: Path) -> dict[str, Figure]:
    import torch

    steps, warmup = (12, 3) if quick else (80, 10)
    batches, labels = build_batches(steps, cache)
    with tempfile.TemporaryDirectory(prefix="xmix-bench-loop-") as name:
        folder = Path(name)
        batches_path = folder / "batches.pt"
        torch.save(batches, batches_path)
        # Plain, Ray, plain again: the mean of the two plain runs cancels slow drift in
        # machine load (other processes on a shared 2-core machine).
        begin = time.perf_counter()
        plain_first = after_warmup(plain_loop(batches, labels, threads), warmup)
        ray_times = after_warmup(ray_train_loop(batches_path, labels, steps, threads, folder), warmup)
        plain_second = after_warmup(plain_loop(batches, labels, threads), warmup) if not quick else []
        wall = time.perf_counter() - begin
    plain_mean = statistics.mean(plain_first + plain_second)
    ray_mean = statistics.mean(ray_times)
    ratio = ray_mean / plain_mean
    details = {
        "steps": steps, "warmup_steps": warmup, "threads": threads, "num_layers": NUM_LAYERS,
        "max_length": MAX_LENGTH, "batch_size": BATCH_SIZE,
        "plain_step_s_mean": plain_mean, "ray_train_step_s_mean": ray_mean,
        "plain_step_s_median": statistics.median(plain_first + plain_second),
        "ray_train_step_s_median": statistics.median(ray_times),
        "median_ratio": statistics.median(ray_times) / statistics.median(plain_first + plain_second),
        "plain_runs": 1 if quick else 2, "wall_s": wall,
    }
    return {"train_loop_ratio": Figure(value=ratio, goal="<= 1.05", met=ratio <= 1.05, details=details)}
