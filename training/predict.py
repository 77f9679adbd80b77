"""Zero-shot prediction per format, batched by length under ``inference_mode``.

Evaluation sets are sorted by length before batching (less padding) and the
predictions are put back in the original order before scoring.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from evaluation.examples import BitextExample, Example, Format, TagExample
from evaluation.metrics import RANKING_K
from training.batches import feature_lengths, make_collator
from training.cache import tokenised
from training.features import IGNORE_INDEX
from training.model import mean_pool


def _sorted_batches(dataset, batch_size: int):
    lengths = feature_lengths(dataset)
    order = np.argsort(lengths, kind="stable")
    for begin in range(0, len(order), batch_size):
        yield order[begin: begin + batch_size]


@torch.inference_mode()
def predict_classification(model, head, examples, labels, tokenizer, max_length, batch_size, cache_dir=None):
    dataset = tokenised(examples, Format.CLASSIFICATION, tokenizer, max_length, labels, cache_dir).with_format(None)
    collator = make_collator(Format.CLASSIFICATION, tokenizer)
    predictions = np.zeros(len(dataset), dtype=np.int64)
    for indices in _sorted_batches(dataset, batch_size):
        batch = collator([dict(row) for row in dataset.select(indices)])
        states = model.encode(batch["input_ids"], batch["attention_mask"])
        mask = batch["attention_mask"].to(states.device)
        predictions[indices] = head.logits(states, mask).argmax(-1).cpu().numpy()
    return predictions.tolist()


@torch.inference_mode()
def predict_tags(model, head, examples: Sequence[TagExample], labels, tokenizer, max_length, batch_size,
                 cache_dir=None):
    """Predict the first subword of each word; words cut off by truncation get "O"."""
    dataset = tokenised(examples, Format.TAGGING, tokenizer, max_length, labels, cache_dir).with_format(None)
    collator = make_collator(Format.TAGGING, tokenizer)
    predictions: list[list[str]] = [[] for _ in examples]
    for indices in _sorted_batches(dataset, batch_size):
        batch = collator([dict(row) for row in dataset.select(indices)])
        states = model.encode(batch["input_ids"], batch["attention_mask"])
        best = head.logits(states).argmax(-1).cpu()
        for row, index in enumerate(indices):
            first_subwords = batch["labels"][row] != IGNORE_INDEX
            predictions[index] = [labels[i] for i in best[row][first_subwords].tolist()]
    return [tags + ["O"] * (len(example.tokens) - len(tags)) for tags, example in zip(predictions, examples)]


@torch.inference_mode()
def embed(model, texts: Sequence[str], tokenizer, max_length: int, batch_size: int) -> torch.Tensor:
    """Mean-pooled, L2-normalised sentence embeddings, in input order."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = torch.zeros(len(texts), model.encoder.config.hidden_size)
    for begin in range(0, len(order), batch_size):
        indices = order[begin: begin + batch_size]
        batch = tokenizer([texts[i] for i in indices], truncation=True, max_length=max_length,
                          padding=True, return_tensors="pt", return_token_type_ids=False)
        states = model.encode(batch["input_ids"], batch["attention_mask"])
        pooled = mean_pool(states, batch["attention_mask"])
        out[torch.as_tensor(indices)] = torch.nn.functional.normalize(pooled, dim=-1).float().cpu()
    return out


def predict_retrieval(model, head, examples: Sequence[BitextExample], labels, tokenizer, max_length,
                      batch_size, cache_dir=None):
    sources = embed(model, [e.source for e in examples], tokenizer, max_length, batch_size)
    english = embed(model, [e.english for e in examples], tokenizer, max_length, batch_size)
    return (sources @ english.T).argmax(-1).tolist()


PREDICTORS = {
    Format.CLASSIFICATION: predict_classification,
    Format.TAGGING: predict_tags,
    Format.RETRIEVAL: predict_retrieval,
}


def predict(fmt: Format, model, head, examples: Sequence[Example], labels, tokenizer, max_length,
            batch_size, cache_dir=None):
    return PREDICTORS[fmt](model, head, examples, labels, tokenizer, max_length, batch_size, cache_dir)


# --- extractive QA, multiple choice, ranking (issue 3) ------------------------------

MAX_ANSWER_TOKENS = 30  # the official SQuAD baselines' max_answer_length


def _pad_windows(windows, tokenizer):
    return tokenizer.pad([{"input_ids": w.input_ids, "attention_mask": w.attention_mask} for w in windows],
                         return_tensors="pt")


def best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, allowed: torch.Tensor,
              max_tokens: int = MAX_ANSWER_TOKENS) -> tuple[float, int, int]:
    """(score, start, end) maximising start + end logits with start <= end < start + max_tokens.

    ``allowed`` marks the context tokens a span may start or end on. Ties go to the
    earliest start, then the earliest end (row-major argmax).
    """
    length = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]
    index = torch.arange(length)
    valid = (index[None, :] >= index[:, None]) & (index[None, :] - index[:, None] < max_tokens)
    valid &= allowed[:, None] & allowed[None, :]
    if not bool(valid.any()):
        return float("-inf"), -1, -1
    scores = scores.masked_fill(~valid, float("-inf"))
    flat = int(torch.argmax(scores))
    return float(scores.flatten()[flat]), flat // length, flat % length


@torch.inference_mode()
def predict_spans(model, head, examples, labels, tokenizer, max_length, batch_size, cache_dir=None):
    """Answer text per question: the best span over all of its context windows.

    Windows come from ``training.eval_features.featurise_span_windows``; each is
    scored with the span head, the best valid span (start <= end, at most 30
    tokens, inside the context) is kept per window, and the highest-scoring
    window's span is mapped back to context characters. A question whose windows
    hold no valid span gets "" (scored as a wrong answer).
    """
    from training.eval_features import featurise_span_windows

    windows = featurise_span_windows(examples, tokenizer, max_length)
    best: list[tuple[float, str]] = [(float("-inf"), "") for _ in examples]
    order = np.argsort([len(w.input_ids) for w in windows], kind="stable")
    for begin in range(0, len(order), batch_size):
        chunk = [windows[i] for i in order[begin: begin + batch_size]]
        batch = _pad_windows(chunk, tokenizer)
        states = model.encode(batch["input_ids"], batch["attention_mask"])
        starts, ends = (logits.float().cpu() for logits in head.logits(states, batch["attention_mask"].to(states.device)))
        for row, window in enumerate(chunk):
            allowed = torch.zeros(starts.shape[1], dtype=torch.bool)
            allowed[[i for i, span in enumerate(window.offsets) if span is not None]] = True
            score, start, end = best_span(starts[row].float(), ends[row].float(), allowed)
            if start >= 0 and score > best[window.example][0]:
                context = examples[window.example].context
                text = context[window.offsets[start][0]: window.offsets[end][1]].strip()
                best[window.example] = (score, text)
    return [text for _, text in best]


@torch.inference_mode()
def predict_choices(model, head, examples, labels, tokenizer, max_length, batch_size, cache_dir=None):
    """Index of the highest-scoring choice per example (ties: the first).

    Batches hold examples with the same number of choices (the collator needs one
    shape), sorted by length as elsewhere.
    """
    dataset = tokenised(examples, Format.MULTIPLE_CHOICE, tokenizer, max_length, labels, cache_dir).with_format(None)
    collator = make_collator(Format.MULTIPLE_CHOICE, tokenizer)
    choices = np.array([len(e.choices) for e in examples])
    lengths = feature_lengths(dataset)
    predictions = np.zeros(len(examples), dtype=np.int64)
    for count in np.unique(choices):
        group = np.flatnonzero(choices == count)
        group = group[np.argsort(lengths[group], kind="stable")]
        for begin in range(0, len(group), batch_size):
            indices = group[begin: begin + batch_size]
            batch = collator([dict(row) for row in dataset.select(indices)])
            states = model.encode(batch["input_ids"], batch["attention_mask"])
            mask = batch["attention_mask"].flatten(0, 1).to(states.device)
            predictions[indices] = head.logits(states, mask, int(count)).argmax(-1).cpu().numpy()
    return predictions.tolist()


# Embedding a ranking pool is the costly part (LAReQA: 13k sentences); languages
# share one pool object, so the last pool's embeddings are kept. The key includes
# every parameter's version counter, which any in-place update (an optimiser
# step) bumps, so a model that changed is never served stale embeddings.
_POOL_CACHE: dict = {}


def _model_state_key(model) -> tuple:
    return (id(model), tuple(p._version for p in model.parameters()))


def pool_embeddings(model, pool, tokenizer, max_length: int, batch_size: int) -> torch.Tensor:
    key = (_model_state_key(model), id(pool), getattr(tokenizer, "name_or_path", None), max_length)
    cached = _POOL_CACHE.get("entry")
    if cached is not None and cached[0] == key and cached[1] is pool and cached[2] is model:
        return cached[3]
    embeddings = embed(model, list(pool.texts), tokenizer, max_length, batch_size)
    _POOL_CACHE["entry"] = (key, pool, model, embeddings)
    return embeddings


@torch.inference_mode()
def predict_ranking(model, head, examples, labels, tokenizer, max_length, batch_size, cache_dir=None):
    """The top ``RANKING_K`` candidate ids per query (LAReQA, Mewsli-X), by cosine of mean-pooled embeddings.

    Queries and candidates go through the same encoder (``embed``): xmix trains
    no retrieval head, so this is the stage-1 encoder used zero-shot, as for
    Tatoeba. Equal scores keep pool order (stable sort).
    """
    if not examples:
        return []
    pool = examples[0].pool
    if any(e.pool is not pool for e in examples):
        from evaluation.errors import XmixError

        raise XmixError("predict_ranking: the examples of one call must share one candidate pool")
    candidates = pool_embeddings(model, pool, tokenizer, max_length, batch_size)
    queries = embed(model, [e.query for e in examples], tokenizer, max_length, batch_size)
    k = min(RANKING_K, len(pool))
    ranked: list[list[str]] = []
    for begin in range(0, len(examples), 256):
        scores = queries[begin: begin + 256] @ candidates.T
        top = torch.sort(scores, dim=-1, descending=True, stable=True).indices[:, :k]
        ranked.extend([pool.ids[i] for i in row] for row in top.tolist())
    return ranked


PREDICTORS[Format.EXTRACTIVE_QA] = predict_spans
PREDICTORS[Format.MULTIPLE_CHOICE] = predict_choices
PREDICTORS[Format.RANKING] = predict_ranking
