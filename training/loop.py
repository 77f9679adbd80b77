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
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from transformers import get_linear_schedule_with_warmup

from evaluation.examples import Format
from evaluation.lexsim import hf_tokenize, language_texts, trial_lexsim
from evaluation.scores import build_scores
from evaluation.targets import TARGETS
from training.batches import BatchStream
from training.cache import tokenised
from training.data import eval_examples, source_examples
from training.mixture import MixtureSampler
from training.model import MultiHeadModel, head_key, load_encoder, make_head
from training.plan import SEARCH, TrialPlan
from training.predict import predict
from training.seeds import derived_seed
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


def _train(model, streams, draw: Callable[[], str], head_of: Callable[[str], str], steps: int, lr: float,
           report: Report, report_every: int, name: str) -> list[tuple[int, float]]:
    """``steps`` optimiser steps; ``draw`` picks the stream of each step, ``head_of`` its head."""
    with gc_frozen():
        return _steps(model, streams, draw, head_of, steps, lr, report, report_every, name)


def _steps(model, streams, draw, head_of, steps, lr, report, report_every, name) -> list[tuple[int, float]]:
    optimizer = adamw(model, lr)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), max(1, steps))
    model.train()
    history, window = [], []
    for step in range(1, steps + 1):
        source = draw()
        loss = model(head_of(source), streams[source].next())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        window.append(loss.item())
        if step % report_every == 0 or step == steps:
            mean = float(np.mean(window))
            history.append((step, mean))
            report({f"{name}/loss": mean, "step": step})
            window = []
    return history


def one_answer(fmt: Format, predictions: Sequence) -> bool:
    """Every example got the same answer: a collapsed target (one class, no entity, one index)."""
    if len(predictions) < 2:
        return False
    if fmt is Format.TAGGING:
        return all(tag == "O" for tags in predictions for tag in tags)
    return len({repr(p) for p in predictions}) == 1


@dataclass
class Outcome:
    """What ``run_plan`` returns. Scores, units and lexsim are rank 0's (empty elsewhere)."""

    scores: dict  # role -> score JSON (evaluation.scores.build_scores)
    units: dict  # role -> task -> language -> per-example rows (Target.unit_scores)
    degenerate: list  # "role/task/language" whose predictions were one answer for every example
    lexsim: dict  # lexsim/<task>/<lang>, on the search set's target-language text
    history: dict  # "intermediate" | "stage2/<task>" -> [(step, mean loss)]
    timing: dict
    pad_share: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> "Outcome":
        return cls(**raw)


def _heads(sources, hidden: int, seed: int) -> dict[str, torch.nn.Module]:
    """One head per label space, each initialised from its own seed (training.seeds)."""
    heads = {}
    for name in sorted(sources):
        source = sources[name]
        key = head_key(source.format, source.labels)
        if key not in heads:
            torch.manual_seed(derived_seed(seed, f"head/{key}"))
            heads[key] = make_head(source.format, hidden, len(source.labels))
    return heads


def intermediate_streams(plan: TrialPlan, sources, tokenizer, root: Path, rank: int = 0,
                   world: int = 1) -> dict[str, BatchStream]:
    """One batch stream per source, its order seeded by the trial seed and the source's name."""
    streams = {}
    for name, source in sorted(sources.items()):
        features = tokenised(source_examples(name, root), source.format, tokenizer, plan.max_length,
                             source.labels, plan.cache_dir)
        streams[name] = BatchStream(features, source.format, tokenizer, plan.intermediate_batch_size,
                                    derived_seed(plan.seed, f"source/{name}"), rank, world, count_tokens=True)
    return streams


def _stage2(intermediate_model, target, target_plan, plan: TrialPlan, tokenizer, root: Path, rank: int, world: int,
            wrap, report: Report):
    """A copy of the stage-1 encoder fine-tuned on the target's English data, with the same
    head initialisation, data order and dropout in every trial of one seed."""
    seed = derived_seed(plan.seed, f"stage2/{target.name}")
    features = tokenised(target.stage2.read(root), target.format, tokenizer, plan.max_length,
                         target.labels, plan.cache_dir)
    stream = BatchStream(features, target.format, tokenizer, plan.stage2_batch_size, seed, rank, world)
    torch.manual_seed(seed)
    head = make_head(target.format, intermediate_model.encoder.config.hidden_size, len(target.labels))
    model = wrap(MultiHeadModel(copy.deepcopy(intermediate_model.encoder), {"target": head}))
    history = _train(model, {"target": stream}, lambda: "target", lambda _: "target", plan.stage2_steps,
                     target_plan.stage2_lr or plan.stage2_lr, report, plan.report_every, f"stage2/{target.name}")
    return _unwrap(model), head, stream, history


def progress_report(plan: TrialPlan, report: Report) -> Report:
    """Loss reports carry each role's objective as NaN (not scored yet), so every report a
    trial makes has the keys its last one has: Tune's metric check and Optuna's
    per-step reports take them as they are."""
    pending = {f"{role}/{metric}": float("nan") for role in plan.roles for metric in {plan.metric, "xtreme_r/score"}}
    return lambda metrics: report({**pending, **metrics})


def run_plan(plan: TrialPlan, rank: int = 0, world: int = 1, wrap=_no_wrap,
             report: Report = lambda metrics: None, encoders=load_encoder) -> Outcome:
    """The whole run for one worker. ``encoders(name_or_path, num_layers) -> (tokenizer,
    encoder)``: a fresh load, or an ``EncoderCache`` when a process runs one trial after another."""
    report = progress_report(plan, report)
    timing: dict[str, float] = {}
    started = time.perf_counter()
    root = Path(plan.data_root)
    tokenizer, encoder = encoders(plan.model_name_or_path, plan.num_layers)
    timing["model_load_s"] = time.perf_counter() - started

    begin = time.perf_counter()
    sources = {name: SOURCES.get(name) for name, weight in plan.mixture.items() if weight > 0}
    streams = intermediate_streams(plan, sources, tokenizer, root, rank, world)
    timing["data_prep_s"] = time.perf_counter() - begin

    begin = time.perf_counter()
    heads = _heads(sources, encoder.config.hidden_size, plan.seed)
    head_of = {name: head_key(source.format, source.labels) for name, source in sources.items()}
    # The seed stream keeps its first name: renamed, it would change every score.
    torch.manual_seed(derived_seed(plan.seed, "stage1"))  # dropout
    model = wrap(MultiHeadModel(encoder, heads))
    sampler = MixtureSampler(plan.mixture, derived_seed(plan.seed, "mixture"))
    history = {"intermediate": _train(model, streams, sampler.draw, head_of.__getitem__, plan.intermediate_steps,
                                plan.intermediate_lr, report, plan.report_every, "intermediate")}
    intermediate_model = _unwrap(model)
    timing["intermediate_s"] = time.perf_counter() - begin
    trained_counts = sum((stream.token_counts for stream in streams.values()), Counter())

    per_role: dict[str, dict] = {role: {} for role in plan.roles}
    units: dict[str, dict] = {role: {} for role in plan.roles}
    degenerate, eval_texts = [], {}
    timing["stage2_s"], timing["eval_s"] = 0.0, 0.0
    for target_plan in plan.targets:
        target = TARGETS.get(target_plan.name)
        begin = time.perf_counter()
        evaluated_model, head = intermediate_model, None
        if target.stage2 is not None:
            evaluated_model, head, stream, history[f"stage2/{target.name}"] = _stage2(
                intermediate_model, target, target_plan, plan, tokenizer, root, rank, world, wrap, report)
            streams[f"stage2/{target.name}"] = stream
        timing["stage2_s"] += time.perf_counter() - begin
        if rank != 0:
            continue
        begin = time.perf_counter()
        evaluated_model.eval()
        for role in plan.roles:
            languages, rows = {}, {}
            for language in target_plan.languages:
                examples = eval_examples(target_plan, language, role, root)
                predictions = predict(target.format, evaluated_model, head, examples, target.labels, tokenizer,
                                      plan.max_length, target_plan.eval_batch_size, plan.cache_dir)
                languages[language] = {**target.score(examples, predictions), "n": len(examples)}
                rows[language] = np.asarray(target.unit_scores(examples, predictions), dtype=float).tolist()
                if one_answer(target.format, predictions):
                    degenerate.append(f"{role}/{target.name}/{language}")
                if role == SEARCH:
                    eval_texts[(target.name, language)] = [t for e in examples for t in language_texts(e)]
            per_role[role][target.name] = languages
            units[role][target.name] = rows
        timing["eval_s"] += time.perf_counter() - begin
    lexsim = {}
    if rank == 0 and eval_texts and trained_counts:
        begin = time.perf_counter()
        lexsim = trial_lexsim(eval_texts, trained_counts, hf_tokenize(tokenizer))
        timing["lexsim_s"] = time.perf_counter() - begin
    timing["total_s"] = time.perf_counter() - started
    padded = sum(s.padded_tokens for s in streams.values())
    real = sum(s.real_tokens for s in streams.values())
    if rank != 0:
        per_role, units = {}, {}
    return Outcome(scores={role: build_scores(tasks) for role, tasks in per_role.items()}, units=units,
                   degenerate=degenerate, lexsim=lexsim, history=history, timing=timing,
                   pad_share=(padded - real) / padded if padded else 0.0)


def quiet_libraries() -> None:
    """Worker logs reach the sweep's terminal: keep the load reports and bars out of it."""
    import datasets
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.utils.logging.set_verbosity_error()


def final_metrics(plan: TrialPlan, outcome: Outcome) -> dict:
    """What a run reports last: timings, padding, lexsim, and per role every score and the
    objective (``<role>/<task>/<lang>/<metric>``, ``<role>/xtreme_r/score``)."""
    from evaluation.scores import flat_metrics, objective

    final = {**{f"timing/{k}": v for k, v in outcome.timing.items()}, "pad_share": outcome.pad_share}
    final.update(outcome.lexsim)
    tasks = [t.name for t in plan.targets]
    for role, scores in outcome.scores.items():
        final.update({f"{role}/{k}": v for k, v in flat_metrics(scores).items()})
        final[f"{role}/xtreme_r/score"] = objective(scores, tasks)
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
        Path(folder, "outcome.json").write_text(json.dumps(outcome.to_dict(), ensure_ascii=False))
        ray.train.report(final, checkpoint=Checkpoint.from_directory(folder))
