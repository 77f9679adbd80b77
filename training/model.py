"""The shared encoder and its heads: one head per label space.

Sources share a head only when their outputs mean the same thing: MNLI and OCNLI
(entailment / neutral / contradiction) share one, PAWS-X (paraphrase or not) has
its own, so a row of the classifier never means "entailment" for one source and
"not paraphrase" for another (``head_key``). Span and multiple-choice heads score
positions or choices, which mean the same in every source: one head each.

Sentence-level heads read the masked mean of the encoder states, the pooling
multilingual-e5 was trained with; its first token is not a sentence summary (a
first-token head gave one XNLI class for every example in the demo).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer

from evaluation.examples import Format
from training.features import IGNORE_INDEX


def load_encoder(name_or_path: str, num_layers: int | None):
    """A local folder or a hub id; ``num_layers`` keeps the first N layers (cheap CPU runs)."""
    overrides = {"num_hidden_layers": num_layers} if num_layers else {}
    path = Path(name_or_path)
    source = str(path.resolve()) if path.exists() else name_or_path
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source, add_pooling_layer=False, **overrides)
    return tokenizer, encoder


def mean_pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the states of real tokens (padding excluded)."""
    weights = mask.unsqueeze(-1).to(states.device, states.dtype)
    return (states * weights).sum(1) / weights.sum(1).clamp(min=1)


def head_key(fmt: Format, labels: tuple[str, ...]) -> str:
    """One head per label space: the format plus, where rows are labels, the label names."""
    if fmt not in (Format.CLASSIFICATION, Format.TAGGING) or not labels:
        return fmt.value
    digest = hashlib.sha1("\x1f".join(labels).encode()).hexdigest()[:10]
    return f"{fmt.value}_{len(labels)}_{digest}"  # ModuleDict keys may not contain "."


class ClassificationHead(nn.Module):
    def __init__(self, hidden: int, num_labels: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, num_labels)

    def logits(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        pooled = torch.tanh(self.dense(self.dropout(mean_pool(states, mask))))
        return self.out(self.dropout(pooled))

    def loss(self, states, batch):
        return nn.functional.cross_entropy(self.logits(states, batch["attention_mask"]), batch["labels"])


class MultipleChoiceHead(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, 1)

    def logits(self, states, mask, num_choices: int):
        return self.out(self.dropout(mean_pool(states, mask))).view(-1, num_choices)

    def loss(self, states, batch):
        mask = batch["attention_mask"].flatten(0, 1)
        return nn.functional.cross_entropy(self.logits(states, mask, batch["num_choices"]), batch["labels"])


class SpanHead(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.out = nn.Linear(hidden, 2)

    def logits(self, states, mask):
        start, end = self.out(states).unbind(-1)
        very_negative = torch.finfo(start.dtype).min
        return start.masked_fill(mask == 0, very_negative), end.masked_fill(mask == 0, very_negative)

    def loss(self, states, batch):
        start, end = self.logits(states, batch["attention_mask"])
        return (nn.functional.cross_entropy(start, batch["start_positions"])
                + nn.functional.cross_entropy(end, batch["end_positions"])) / 2


class TaggingHead(nn.Module):
    def __init__(self, hidden: int, num_tags: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, num_tags)

    def logits(self, states):
        return self.out(self.dropout(states))

    def loss(self, states, batch):
        logits = self.logits(states)
        return nn.functional.cross_entropy(logits.flatten(0, 1), batch["labels"].flatten(),
                                           ignore_index=IGNORE_INDEX)


def make_head(fmt: Format, hidden: int, num_labels: int) -> nn.Module:
    builders = {
        Format.CLASSIFICATION: lambda: ClassificationHead(hidden, num_labels),
        Format.MULTIPLE_CHOICE: lambda: MultipleChoiceHead(hidden),
        Format.EXTRACTIVE_QA: lambda: SpanHead(hidden),
        Format.TAGGING: lambda: TaggingHead(hidden, num_labels),
    }
    return builders[fmt]()


class MultiHeadModel(nn.Module):
    """Encoder + heads keyed by ``head_key``; ``forward`` returns the loss of one batch."""

    def __init__(self, encoder: nn.Module, heads: dict[str, nn.Module]) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleDict(heads)

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    def encode(self, input_ids, attention_mask):
        """Inputs come from CPU collators; they move to wherever the encoder is (GPU on a cluster)."""
        input_ids, attention_mask = input_ids.to(self.device), attention_mask.to(self.device)
        if input_ids.dim() == 3:  # multiple choice: (batch, choices, length) -> rows
            input_ids, attention_mask = input_ids.flatten(0, 1), attention_mask.flatten(0, 1)
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def forward(self, head: str, batch: dict) -> torch.Tensor:
        batch = {key: value.to(self.device) if torch.is_tensor(value) else value for key, value in batch.items()}
        states = self.encode(batch["input_ids"], batch["attention_mask"])
        return self.heads[head].loss(states, batch)
