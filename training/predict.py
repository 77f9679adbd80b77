"""Zero-shot prediction per format, batched by length under ``inference_mode``.

Evaluation sets are sorted by length before batching (less padding) and the
predictions are put back in the original order before scoring.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from evaluation.examples import BitextExample, Example, Format, TagExample
from training.batches import feature_lengths, make_collator
from training.cache import tokenised
from training.features import IGNORE_INDEX


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
        predictions[indices] = head.logits(states, len(labels)).argmax(-1).numpy()
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
        best = head.logits(states).argmax(-1)
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
        mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
        out[torch.as_tensor(indices)] = torch.nn.functional.normalize(pooled, dim=-1)
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
