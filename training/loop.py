"""One trial: stage 1 on the mixture, stage 2 per target, zero-shot evaluation.

``run_plan`` is the whole trial for one worker and knows nothing of Ray beyond
an optional ``wrap`` (DDP via ``ray.train.torch.prepare_model``) and a
``report`` callable; ``train_loop_per_worker`` binds it to Ray Train. The same
code therefore runs under a TorchTrainer, in a benchmark, or in a test.
"""
from __future__ import annotations

import copy
import gc
import json
from collections import Counter
from contextlib import contextmanager
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from transformers import get_linear_schedule_with_warmup

from evaluation.lexsim import hf_tokenize, trial_lexsim
from evaluation.scores import build_scores
from evaluation.targets import TARGETS
from training.batches import BatchStream
from training.cache import tokenised
from training.data import eval_examples, source_examples
from training.mixture import MixtureSampler
from training.model import MultiHeadModel, load_encoder, make_head
from training.plan import TrialPlan
from training.predict import predict
from training.sources import SOURCES

Report = Callable[[dict], None]


def _no_wrap(model):
    return model


def _unwrap(model):
    return getattr(model, "module", model)


def adamw(model: torch.nn.Module, lr: float) -> torch.optim.AdamW:
    """AdamW with the fused kernel: on 2 CPU cores the default per-parameter loop took
    207 ms of a 470 ms step (4 layers, batch 16; the 96M-parameter embedding dominates),
    the fused one 20 ms (benchmarks/RESULTS.md). torch >= 2.4 fuses on CPU and CUDA."""
    return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, fused=True)


@contextmanager
def gc_frozen():
    """Python's cyclic GC, minus everything that exists before the loop starts.

    A Ray Train worker holds ~515,000 GC-tracked objects (Ray, torch, transformers);
    every full collection the loop's allocations trigger walks all of them. Freezing
    them took the Ray Train loop from 1.24-1.33x a plain loop's step time to 1.08x on
    2 CPU cores (benchmarks/RESULTS.md). Unfrozen afterwards, so a process that runs
    trial after trial still collects what earlier trials left.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _train(model, streams, draw: Callable[[], str], heads_of, steps: int, lr: float,
           report: Report, report_every: int, stage: int) -> list[tuple[int, float]]:
    """``steps`` optimiser steps; ``draw`` picks the stream (and head) of each step."""
    with gc_frozen():
        return _steps(model, streams, draw, heads_of, steps, lr, report, report_every, stage)


def _steps(model, streams, draw, heads_of, steps, lr, report, report_every, stage) -> list[tuple[int, float]]:
    optimizer = adamw(model, lr)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), max(1, steps))
    model.train()
    history, window = [], []
    for step in range(1, steps + 1):
        name = draw()
        head, num_labels = heads_of(name)
        loss = model(head, streams[name].next(), num_labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        window.append(loss.item())
        if step % report_every == 0 or step == steps:
            mean = float(np.mean(window))
            history.append((step, mean))
            report({f"stage{stage}/loss": mean, "stage": stage, "step": step})
            window = []
    return history


def token_counts(features, special_ids: set[int]) -> Counter:
    """Subword counts of what stage 1 feeds the model (truncated as trained), for lexsim."""
    counts: Counter = Counter()
    for ids in features["input_ids"]:
        rows = ids if ids and isinstance(ids[0], list) else [ids]  # multiple choice: one row per choice
        for row in rows:
            counts.update(token for token in row if token not in special_ids)
    return counts


def run_plan(plan: TrialPlan, rank: int = 0, world: int = 1, wrap=_no_wrap,
             report: Report = lambda metrics: None, encoders=load_encoder) -> dict:
    """Returns {"scores", "history", "timing", "pad_share"}; scores only on rank 0.

    ``encoders(name_or_path, num_layers) -> (tokenizer, encoder)``: a fresh load, or
    an ``EncoderCache`` when the process runs one trial after another.
    """
    timing: dict[str, float] = {}
    started = time.perf_counter()
    root = Path(plan.data_root)
    tokenizer, encoder = encoders(plan.model_name_or_path, plan.num_layers)
    # Seeded after the load: a cached encoder skips whatever RNG a fresh load draws, and
    # the heads, dropout and data order must not depend on which of the two happened.
    torch.manual_seed(plan.seed)
    hidden = encoder.config.hidden_size
    timing["model_load_s"] = time.perf_counter() - started

    # Stage 1: one head per format; classification heads sized for the widest label set.
    begin = time.perf_counter()
    sources = {name: SOURCES.get(name) for name in plan.mixture if plan.mixture[name] > 0}
    streams, widths, source_features = {}, {}, {}
    for offset, (name, source) in enumerate(sorted(sources.items())):
        features = tokenised(source_examples(name, root), source.format, tokenizer, plan.max_length,
                             source.labels, plan.cache_dir)
        source_features[name] = features
        streams[name] = BatchStream(features, source.format, tokenizer, plan.stage1_batch_size,
                                    plan.seed + offset, rank, world)
        widths[source.format] = max(widths.get(source.format, 0), len(source.labels))
    timing["data_prep_s"] = time.perf_counter() - begin

    begin = time.perf_counter()
    heads = {fmt.value: make_head(fmt, hidden, width) for fmt, width in widths.items()}
    model = wrap(MultiHeadModel(encoder, heads))
    sampler = MixtureSampler(plan.mixture, plan.seed)
    history = _train(model, streams, sampler.draw,
                     lambda name: (sources[name].format.value, len(sources[name].labels)),
                     plan.stage1_steps, plan.stage1_lr, report, plan.report_every, stage=1)
    stage1_model = _unwrap(model)
    timing["stage1_s"] = time.perf_counter() - begin

    per_task, eval_texts, timing["stage2_s"], timing["eval_s"] = {}, {}, 0.0, 0.0
    for target_plan in plan.targets:
        target = TARGETS.get(target_plan.name)
        begin = time.perf_counter()
        if target.stage2 is None:
            evaluated_model, head = stage1_model, None
        else:
            features = tokenised(target.stage2.read(root), target.format, tokenizer, plan.max_length,
                                 target.labels, plan.cache_dir)
            stream = BatchStream(features, target.format, tokenizer, plan.stage2_batch_size, plan.seed, rank, world)
            head = make_head(target.format, hidden, len(target.labels))
            model2 = wrap(MultiHeadModel(copy.deepcopy(stage1_model.encoder), {"target": head}))
            _train(model2, {"target": stream}, lambda: "target", lambda _: ("target", len(target.labels)),
                   plan.stage2_steps, plan.stage2_lr, report, plan.report_every * 10**6, stage=2)
            evaluated_model = _unwrap(model2)
            streams[f"stage2/{target.name}"] = stream
        timing["stage2_s"] += time.perf_counter() - begin
        if rank != 0:
            continue
        begin = time.perf_counter()
        evaluated_model.eval()
        languages = {}
        for language in target_plan.languages:
            examples = eval_examples(target_plan, language, root)
            predictions = predict(target.format, evaluated_model, head, examples, target.labels, tokenizer,
                                  plan.max_length, target_plan.eval_batch_size, plan.cache_dir)
            languages[language] = {**target.score(examples, predictions), "n": len(examples)}
            eval_texts[(target.name, language)] = [text for example in examples for text in example.texts()]
        per_task[target.name] = languages
        timing["eval_s"] += time.perf_counter() - begin
    lexsim = {}
    if rank == 0:
        begin = time.perf_counter()
        special_ids = set(tokenizer.all_special_ids)
        counts = {name: token_counts(features, special_ids) for name, features in source_features.items()}
        lexsim = trial_lexsim(eval_texts, counts, plan.mixture, hf_tokenize(tokenizer))
        timing["lexsim_s"] = time.perf_counter() - begin
    timing["total_s"] = time.perf_counter() - started
    padded = sum(s.padded_tokens for s in streams.values())
    real = sum(s.real_tokens for s in streams.values())
    return {"scores": build_scores(per_task) if rank == 0 else None, "lexsim": lexsim, "history": history,
            "timing": timing,
            "pad_share": (padded - real) / padded if padded else 0.0}


def quiet_libraries() -> None:
    """Worker logs reach the sweep's terminal: keep the load reports and bars out of it."""
    import datasets
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.utils.logging.set_verbosity_error()


def final_metrics(plan: TrialPlan, outcome: dict) -> dict:
    """What a trial reports last: timings, padding, every score, lexsim and the objective."""
    from evaluation.scores import flat_metrics, objective

    final = {**{f"timing/{k}": v for k, v in outcome["timing"].items()}, "pad_share": outcome["pad_share"]}
    scores = outcome["scores"]
    if scores is None:  # ranks other than 0 evaluate nothing
        return final
    final.update(flat_metrics(scores))
    final.update(outcome["lexsim"])
    final["xtreme_r/score"] = objective(scores, [t.name for t in plan.targets])
    return final


def use_threads(plan: TrialPlan) -> None:
    torch.set_num_threads(max(1, int(plan.cpus_per_worker)))


def train_loop_per_worker(config: dict) -> None:
    """Ray Train entry point: every worker runs the plan; rank 0 reports the scores."""
    import ray.train
    from ray.train import Checkpoint
    from ray.train.torch import prepare_model

    quiet_libraries()
    plan = TrialPlan.from_dict(config["plan"])
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    use_threads(plan)

    def wrap(model):
        # Each step trains one head only; DDP must tolerate the others' unused parameters.
        return prepare_model(model, parallel_strategy_kwargs={"find_unused_parameters": True})

    outcome = run_plan(plan, rank, world, wrap=wrap, report=ray.train.report)
    final = final_metrics(plan, outcome)
    if rank != 0:
        ray.train.report(final)
        return
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "scores.json").write_text(json.dumps(outcome["scores"], indent=2, ensure_ascii=False))
        Path(folder, "outcome.json").write_text(json.dumps(
            {"history": outcome["history"], "timing": outcome["timing"], "pad_share": outcome["pad_share"]}))
        ray.train.report(final, checkpoint=Checkpoint.from_directory(folder))
