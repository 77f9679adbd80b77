"""Typed examples, one per task format, shared by stage-1 sources and targets.

A reader turns files into these; featurising (tokenisation) and hashing for the
leakage guard both work from them, so every format declares its text fields once
in ``texts()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Format(str, Enum):
    """How an example is fed to the encoder and which head scores it."""

    CLASSIFICATION = "classification"  # one text or a text pair -> one label
    MULTIPLE_CHOICE = "multiple_choice"  # context + N choices -> index of the right one
    EXTRACTIVE_QA = "extractive_qa"  # question + context -> answer span (characters)
    TAGGING = "tagging"  # tokens -> one tag per token
    RETRIEVAL = "retrieval"  # sentence -> nearest English sentence by mean-pooled embedding
    RANKING = "ranking"  # query -> candidates of a shared pool, ranked by mean-pooled embedding


@dataclass(frozen=True)
class PairExample:
    text_a: str
    text_b: str | None
    label: int

    def texts(self) -> tuple[str, ...]:
        return (self.text_a,) if self.text_b is None else (self.text_a, self.text_b)


@dataclass(frozen=True)
class ChoiceExample:
    context: str
    choices: tuple[str, ...]
    label: int

    def texts(self) -> tuple[str, ...]:
        return (self.context, *self.choices)


@dataclass(frozen=True)
class SpanExample:
    """SQuAD-style: ``answers`` are (text, char_start) pairs; training uses the first."""

    qid: str
    question: str
    context: str
    answers: tuple[tuple[str, int], ...]

    def texts(self) -> tuple[str, ...]:
        return (self.question, self.context)


@dataclass(frozen=True)
class TagExample:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    def texts(self) -> tuple[str, ...]:
        return (" ".join(self.tokens),)


@dataclass(frozen=True)
class BitextExample:
    """A sentence and its English translation (Tatoeba retrieval)."""

    source: str
    english: str

    def texts(self) -> tuple[str, ...]:
        return (self.source, self.english)


Example = PairExample | ChoiceExample | SpanExample | TagExample | BitextExample


# --- ranking (LAReQA, Mewsli-X) ----------------------------------------------------

@dataclass(frozen=True)
class CandidatePool:
    """The candidates every query of a ranking task is ranked against.

    One pool object is shared by all queries of a language (and, where the reader
    caches it, of all languages), so prediction embeds it once.
    """

    name: str  # what the pool is, e.g. "lareqa: 11 languages" (for messages)
    ids: tuple[str, ...]
    texts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class RankingExample:
    """A query and the ids of its relevant candidates in ``pool``.

    ``pool`` is left out of ``repr`` and equality: it is shared and large, and an
    example is identified by its query and relevant ids.
    """

    qid: str
    query: str
    relevant: tuple[str, ...]
    pool: CandidatePool = field(repr=False, compare=False)

    def texts(self) -> tuple[str, ...]:
        return (self.query,)


@dataclass(frozen=True)
class LanguageSpanExample(SpanExample):
    """A ``SpanExample`` that carries its answer language.

    MLQA normalises answers per language (articles, Chinese characters as tokens),
    and a target's score function sees only examples and predictions.
    """

    language: str = ""

