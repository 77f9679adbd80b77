"""The shared encoder and its heads: one head per task format.

Classification sources with different label counts share one head whose output
is sliced to the source's labels (``num_labels``), so "one head per format" holds
and MNLI (3 labels) and PAWS-X (2) still train the same classifier.
"""
from __future__ import annotations

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


class ClassificationHead(nn.Module):
    def __init__(self, hidden: int, max_labels: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, max_labels)

    def logits(self, states: torch.Tensor, num_labels: int) -> torch.Tensor:
        cls = torch.tanh(self.dense(self.dropout(states[:, 0])))
        return self.out(self.dropout(cls))[:, :num_labels]

    def loss(self, states, batch, num_labels):
        return nn.functional.cross_entropy(self.logits(states, num_labels), batch["labels"])


class MultipleChoiceHead(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, 1)

    def logits(self, states, num_choices: int):
        return self.out(self.dropout(states[:, 0])).view(-1, num_choices)

    def loss(self, states, batch, num_labels):
        return nn.functional.cross_entropy(self.logits(states, batch["num_choices"]), batch["labels"])


class SpanHead(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.out = nn.Linear(hidden, 2)

    def logits(self, states, mask):
        start, end = self.out(states).unbind(-1)
        very_negative = torch.finfo(start.dtype).min
        return start.masked_fill(mask == 0, very_negative), end.masked_fill(mask == 0, very_negative)

    def loss(self, states, batch, num_labels):
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

    def loss(self, states, batch, num_labels):
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
    """Encoder + heads keyed by format; ``forward`` returns the loss of one batch."""

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

    def forward(self, head: str, batch: dict, num_labels: int) -> torch.Tensor:
        batch = {key: value.to(self.device) if torch.is_tensor(value) else value for key, value in batch.items()}
        states = self.encode(batch["input_ids"], batch["attention_mask"])
        return self.heads[head].loss(states, batch, num_labels)
