"""Evaluation-time featurisation that training's ``features.py`` does not need.

Extractive QA is predicted over *windows*: a context longer than the model's
``max_length`` is cut into overlapping windows (as the official SQuAD baselines
do with ``doc_stride``), every window is scored, and the best span of any window
wins. Each window keeps, per token, the character span it covers in the
context (``None`` for question, special and padding tokens), so a predicted
token span maps back to the exact context substring.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from evaluation.errors import XmixError
from evaluation.examples import SpanExample

MAX_QUERY_TOKENS = 64  # the official SQuAD baselines' max_query_length
SPECIAL_TOKENS_PAIR = 4  # <s> question </s></s> context </s> (XLM-R / e5); an upper bound for BERT's 3


@dataclass(frozen=True)
class SpanWindow:
    example: int  # index into the examples
    input_ids: list[int]
    attention_mask: list[int]
    # Per token: (start, end) characters in the example's context, or None outside the context.
    offsets: list[tuple[int, int] | None]


def query_token_budget(max_length: int) -> int:
    """Question tokens kept: at most 64, and at most half the window."""
    return max(1, min(MAX_QUERY_TOKENS, max_length // 2))


def window_stride(max_length: int) -> int:
    """Tokens shared by neighbouring windows: half the smallest context room (>= 0)."""
    room = max_length - query_token_budget(max_length) - SPECIAL_TOKENS_PAIR
    if room < 2:
        raise XmixError(f"max_length {max_length} leaves no room for a context window in extractive QA "
                        f"(need at least {query_token_budget(max_length) + SPECIAL_TOKENS_PAIR + 2})")
    return room // 2


def truncate_question(question: str, tokenizer, budget: int) -> str:
    """Cut a question to ``budget`` tokens at a token's character boundary."""
    encoded = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    if len(offsets) <= budget:
        return question
    return question[: offsets[budget - 1][1]]


def featurise_span_windows(examples: Sequence[SpanExample], tokenizer, max_length: int,
                           chunk: int = 256) -> list[SpanWindow]:
    """Overlapping question + context windows for every example, in example order."""
    if not getattr(tokenizer, "is_fast", False):
        raise XmixError("extractive QA prediction needs a fast tokenizer (character offsets)")
    budget = query_token_budget(max_length)
    stride = window_stride(max_length)
    windows: list[SpanWindow] = []
    for begin in range(0, len(examples), chunk):
        part = examples[begin: begin + chunk]
        questions = [truncate_question(e.question, tokenizer, budget) for e in part]
        encoded = tokenizer(questions, [e.context for e in part], truncation="only_second",
                            max_length=max_length, stride=stride, return_overflowing_tokens=True,
                            return_offsets_mapping=True, return_token_type_ids=False)
        for row, sample in enumerate(encoded["overflow_to_sample_mapping"]):
            sequence_ids = encoded.sequence_ids(row)
            offsets = [tuple(span) if seq == 1 else None
                       for span, seq in zip(encoded["offset_mapping"][row], sequence_ids)]
            windows.append(SpanWindow(begin + sample, encoded["input_ids"][row],
                                      encoded["attention_mask"][row], offsets))
    return windows
