"""Endless, seeded, rank-sharded batches from a tokenised dataset.

Each rank sees a disjoint shard (``rank::world``); batches are padded per batch
by transformers' collators (dynamic padding), and formed from length-sorted
chunks of 50 batches so a batch holds sequences of similar length (less padding)
while the order of batches stays random.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np
import torch
from datasets import Dataset
from transformers import (DataCollatorForMultipleChoice, DataCollatorForTokenClassification,
                          DataCollatorWithPadding)

from evaluation.examples import Format

LENGTH_GROUP_BATCHES = 50


def make_collator(fmt: Format, tokenizer):
    collators = {
        Format.CLASSIFICATION: lambda: DataCollatorWithPadding(tokenizer),
        Format.EXTRACTIVE_QA: lambda: DataCollatorWithPadding(tokenizer),
        Format.TAGGING: lambda: DataCollatorForTokenClassification(tokenizer),
        Format.MULTIPLE_CHOICE: lambda: DataCollatorForMultipleChoice(tokenizer),
    }
    return collators[fmt]()


def feature_lengths(dataset: Dataset) -> np.ndarray:
    return np.array([len(ids) if not ids or isinstance(ids[0], int) else max(map(len, ids))
                     for ids in dataset["input_ids"]])


def length_grouped_batches(lengths: np.ndarray, indices: np.ndarray, batch_size: int,
                           rng: np.random.Generator) -> list[np.ndarray]:
    chunk = batch_size * LENGTH_GROUP_BATCHES
    batches = []
    for begin in range(0, len(indices), chunk):
        group = indices[begin: begin + chunk]
        group = group[np.argsort(lengths[group], kind="stable")]
        batches.extend(group[i: i + batch_size] for i in range(0, len(group), batch_size))
    rng.shuffle(batches)
    return batches


class BatchStream:
    def __init__(self, dataset: Dataset, fmt: Format, tokenizer, batch_size: int, seed: int,
                 rank: int = 0, world: int = 1, count_tokens: bool = False) -> None:
        self.dataset = dataset.with_format(None)
        self.fmt = fmt
        self.collator = make_collator(fmt, tokenizer)
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.shard = np.arange(rank, len(dataset), world)
        self.lengths = feature_lengths(self.dataset)
        self._batches: Iterator[np.ndarray] = iter(())
        self.padded_tokens = 0
        self.real_tokens = 0
        # Subword ids of the batches actually drawn (special tokens excluded): the stage-1
        # distribution lexical similarity compares with (evaluation.lexsim).
        self.token_counts: Counter | None = Counter() if count_tokens else None
        self._special = set(tokenizer.all_special_ids)

    def _next_indices(self) -> np.ndarray:
        try:
            return next(self._batches)
        except StopIteration:
            order = self.rng.permutation(self.shard)
            self._batches = iter(length_grouped_batches(self.lengths, order, self.batch_size, self.rng))
            return next(self._batches)

    def next(self) -> dict[str, torch.Tensor]:
        rows = self.dataset.select(self._next_indices())
        batch = self.collator([dict(row) for row in rows])
        self.padded_tokens += int(batch["attention_mask"].numel())
        self.real_tokens += int(batch["attention_mask"].sum())
        if self.token_counts is not None:
            ids = batch["input_ids"][batch["attention_mask"].bool()].tolist()
            self.token_counts.update(i for i in ids if i not in self._special)
        if self.fmt is Format.MULTIPLE_CHOICE:
            batch["num_choices"] = batch["input_ids"].shape[1]
        return batch
