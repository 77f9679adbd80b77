"""Metrics: pure functions of (gold, predictions), every value on a 0-100 scale.

The definitions follow the scripts google-research/xtreme scores with, so that a
number here means what the same number means on the XTREME-R leaderboard:
``evaluate.py`` (accuracy, seqeval F1), SQuAD v1.1's ``evaluate-v1.1.py`` (XQuAD,
TyDiQA-GoldP), MLQA's ``mlqa_evaluation_v1.py`` (MLQA), ``third_party/
utils_mewslix.py`` (Mewsli-X) and ``third_party/utils_lareqa.py`` (LAReQA).
Where those scripts deviate from the papers, the docstring says so.

Inputs are checked, not asserted (``assert`` vanishes under ``python -O``): a
length mismatch or an empty input raises ``XmixError`` with both counts.
Aggregation over languages and tasks lives in ``evaluation.scores``.

Each metric also has a ``*_units`` form: one row per example such that the
metric is a fixed function of the rows (``mean_percent`` or
``seqeval_f1_from_units``). Resampling rows with replacement then resamples
examples, which is what a paired bootstrap over examples needs.
"""
from __future__ import annotations

import functools
import re
import string
import sys
import unicodedata
import warnings
from collections import Counter
from typing import Collection, Hashable, Sequence

import numpy as np

from evaluation.errors import XmixError


def _check_parallel(what: str, gold_name: str, gold: Sequence, pred_name: str, predicted: Sequence) -> None:
    if len(gold) != len(predicted):
        raise XmixError(
            f"{what}: {len(gold)} {gold_name} but {len(predicted)} {pred_name}; "
            "expected exactly one prediction per example"
        )
    if len(gold) == 0:
        # The official scripts divide by the count and crash; an empty language is a reader bug.
        raise XmixError(f"{what}: 0 {gold_name} and 0 {pred_name}; nothing to score")


def _percent_equal(gold: Sequence, predicted: Sequence) -> float:
    return 100.0 * sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold)


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    """Share of predictions equal to the gold label (XNLI, XCOPA), in percent."""
    _check_parallel("accuracy", "gold labels", gold, "predictions", predicted)
    return _percent_equal(gold, predicted)


def retrieval_accuracy(predicted_index: Sequence[int], gold_index: Sequence[int]) -> float:
    """Tatoeba: share of sentences whose nearest neighbour is their translation.

    The official script reads one predicted index per line and scores it with the
    same ``accuracy`` as XNLI; it is a separate name here because the argument
    order (predictions first) and the meaning differ.
    """
    _check_parallel("retrieval_accuracy", "gold indices", gold_index, "predicted indices", predicted_index)
    return _percent_equal(gold_index, predicted_index)


def accuracy_units(gold: Sequence, predicted: Sequence) -> np.ndarray:
    """1.0 per example whose prediction equals its gold label, else 0.0 (``mean_percent`` -> accuracy)."""
    _check_parallel("accuracy_units", "gold labels", gold, "predictions", predicted)
    return np.array([float(g == p) for g, p in zip(gold, predicted)])


def retrieval_accuracy_units(predicted_index: Sequence[int], gold_index: Sequence[int]) -> np.ndarray:
    """1.0 per sentence whose nearest neighbour is its translation (``mean_percent`` -> Tatoeba accuracy)."""
    _check_parallel("retrieval_accuracy_units", "gold indices", gold_index, "predicted indices", predicted_index)
    return np.array([float(g == p) for g, p in zip(gold_index, predicted_index)])


def _check_units(what: str, units) -> np.ndarray:
    rows = np.asarray(units, dtype=float)
    if rows.ndim == 0 or len(rows) == 0:
        raise XmixError(f"{what}: no unit rows to score (got shape {rows.shape})")
    return rows


def mean_percent(units) -> float:
    """Accuracy, QA (EM + F1) / 2, mAP@k and MRR@k from their unit rows: the mean, in percent."""
    rows = _check_units("mean_percent", units)
    if rows.ndim != 1:
        raise XmixError(f"mean_percent: expected one score per example (shape (n,)), got shape {rows.shape}")
    return 100.0 * float(rows.sum()) / len(rows)


# --- tagging -----------------------------------------------------------------

def tagging_scores(gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> dict[str, float]:
    """seqeval entity-level micro F1, precision and recall (PAN-X, UD-POS).

    This is the call ``evaluate.py`` makes: ``seqeval.metrics.f1_score`` /
    ``precision_score`` / ``recall_score`` with their defaults (``mode=None``,
    i.e. the lenient conlleval chunking, not ``mode="strict"`` IOB2). Consequences:

    * PAN-X (IOB2): an entity counts only with exact type and boundaries; gold
      ``B-PER I-PER`` against predicted ``B-PER B-PER`` is two wrong entities.
      A chunk may start with ``I-`` (``I-PER I-PER`` equals ``B-PER I-PER``).
    * UD-POS: the official script feeds plain POS tags (``NOUN``, ``VERB``) to
      the same seqeval call. seqeval reads the first character as the chunk tag
      and the rest as the type, so a run of identical tags is *one* chunk
      (``NOUN NOUN`` -> one ``OUN`` span), except tags starting with ``S``
      (``SCONJ``, ``SYM``), which are single-token chunks. The official "POS F1"
      is therefore F1 over runs of equal tags, not token accuracy; the two agree
      only when neither sequence has equal neighbouring tags. We keep it, since
      XTREME-R numbers are reported that way, and silence seqeval's
      "seems not to be NE tag" warning that every POS tag triggers.
    """
    _check_parallel("tagging_scores", "gold sentences", gold_tags, "predicted sentences", predicted_tags)
    for index, (gold, predicted) in enumerate(zip(gold_tags, predicted_tags)):
        if len(gold) != len(predicted):
            raise XmixError(
                f"tagging_scores: sentence {index} has {len(gold)} gold tags but "
                f"{len(predicted)} predicted tags"
            )
    # seqeval only flattens sentences given as lists (and pads them with "O" so that
    # no chunk crosses a sentence boundary); tuples would be read as one flat sequence.
    gold_lists = [list(sentence) for sentence in gold_tags]
    predicted_lists = [list(sentence) for sentence in predicted_tags]
    # Imported here: seqeval pulls in scikit-learn (about 1 s), which only tagging needs.
    from seqeval.metrics import f1_score, precision_score, recall_score

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*seems not to be NE tag")
        return {
            "f1": 100.0 * f1_score(gold_lists, predicted_lists),
            "precision": 100.0 * precision_score(gold_lists, predicted_lists),
            "recall": 100.0 * recall_score(gold_lists, predicted_lists),
        }


def _entities(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    # seqeval's own chunking (what f1_score calls), so the rows count what it counts.
    from seqeval.metrics.sequence_labeling import get_entities

    return set(get_entities(list(tags)))


def tagging_units(gold_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> np.ndarray:
    """Per sentence (true positives, false positives, false negatives) of seqeval's entities.

    ``seqeval`` flattens the sentences with an "O" between them, so no chunk
    crosses a sentence and its micro counts are the sums of these per-sentence
    counts: ``seqeval_f1_from_units`` of the rows is ``tagging_scores(...)["f1"]``.
    """
    _check_parallel("tagging_units", "gold sentences", gold_tags, "predicted sentences", predicted_tags)
    rows = np.zeros((len(gold_tags), 3), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*seems not to be NE tag")
        for index, (gold, predicted) in enumerate(zip(gold_tags, predicted_tags)):
            if len(gold) != len(predicted):
                raise XmixError(f"tagging_units: sentence {index} has {len(gold)} gold tags but "
                                f"{len(predicted)} predicted tags")
            true, found = _entities(gold), _entities(predicted)
            hits = len(true & found)
            rows[index] = (hits, len(found) - hits, len(true) - hits)
    return rows


def seqeval_f1_from_units(units) -> float:
    """Micro F1 in percent from (tp, fp, fn) rows: 2tp / (2tp + fp + fn), 0 without a hit.

    Computed as seqeval does (precision and recall first, then 2PR / (P + R)),
    so that the float equals ``tagging_scores``' F1 to the last bit.
    """
    rows = _check_units("seqeval_f1_from_units", units)
    if rows.ndim != 2 or rows.shape[1] != 3:
        raise XmixError(f"seqeval_f1_from_units: expected (tp, fp, fn) rows (shape (n, 3)), got shape {rows.shape}")
    tp, fp, fn = (int(round(total)) for total in rows.sum(axis=0))
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 100.0 * (2 * precision * recall / (precision + recall))


# --- extractive QA -----------------------------------------------------------

_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")
_SQUAD_PUNCTUATION = frozenset(string.punctuation)  # ASCII only, as in SQuAD v1.1

# mlqa_evaluation_v1.py's article patterns, per answer language (None: no articles).
# The Arabic one is copied as is: "\sال^" can never match, so the pattern removes
# every "ال" anywhere in a word, not just the definite-article prefix.
_MLQA_ARTICLES: dict[str, re.Pattern | None] = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "hi": None,
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile(r"\sال^|ال"),
    "zh": None,
}
_MLQA_MIXED_SEGMENTATION = frozenset({"zh"})  # every other MLQA language splits on whitespace
# The official range stops at U+9FA5 (CJK Unified Ideographs as of Unicode 4.1),
# so later ideographs stay inside whitespace tokens, as they do there.
_CJK_CHARACTER = re.compile(r"[\u4e00-\u9fa5]")


@functools.cache
def _unicode_punctuation() -> frozenset[str]:
    """Every Unicode category P* character plus ASCII punctuation, as MLQA defines it.

    Built on first use: scanning all code points takes a fraction of a second
    that nothing but MLQA scoring should pay.
    """
    categories = (chr(i) for i in range(sys.maxunicode))
    return frozenset(c for c in categories if unicodedata.category(c).startswith("P")) | _SQUAD_PUNCTUATION


def _squad_normalise(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _SQUAD_PUNCTUATION)
    return " ".join(_SQUAD_ARTICLES.sub(" ", text).split())


def _mixed_segmentation(text: str, punctuation: frozenset[str]) -> list[str]:
    """Each CJK character (or punctuation mark) is a token; other runs split on whitespace."""
    tokens: list[str] = []
    pending = ""
    for ch in text:
        if _CJK_CHARACTER.match(ch) or ch in punctuation:
            tokens.extend(pending.split())
            pending = ""
            tokens.append(ch)
        else:
            pending += ch
    tokens.extend(pending.split())
    return tokens


def _mlqa_normalise(text: str, language: str) -> str:
    punctuation = _unicode_punctuation()
    text = "".join(ch for ch in text.lower() if ch not in punctuation)
    articles = _MLQA_ARTICLES[language]
    if articles is not None:
        text = articles.sub(" ", text)
    if language in _MLQA_MIXED_SEGMENTATION:
        tokens = _mixed_segmentation(text, punctuation)
    else:
        tokens = text.split()
    return " ".join(token for token in tokens if token.strip())


def _token_f1(predicted_tokens: list[str], gold_tokens: list[str]) -> float:
    common = Counter(predicted_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        # Also when both are empty: official F1 is 0 there while EM is 1.
        return 0.0
    precision = overlap / len(predicted_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_scores(
    predictions: Sequence[str | None],
    gold_answers: Sequence[Sequence[str]],
    language: str | None = None,
) -> dict[str, float]:
    """Exact match and token F1, each the max over an example's gold answers.

    ``language=None``: SQuAD v1.1 normalisation (XQuAD, TyDiQA-GoldP, as in
    ``evaluate.py``): lowercase, drop ASCII punctuation, drop English articles,
    collapse whitespace. ``language`` given: MLQA's (``mlqa_evaluation_v1.py``),
    which drops all Unicode punctuation, drops that language's articles and, for
    ``zh``, makes each CJK character a token so partial answers earn F1. Only
    MLQA's seven answer languages are defined there; others raise.

    Empty answers are scored as officially: "" against a gold that normalises to
    "" (e.g. "The") is EM 100 but F1 0; against any other gold, 0 and 0. ``None``
    is an unanswered question: 0 and 0, still counted in the denominator.
    """
    _check_parallel("squad_scores", "gold answer lists", gold_answers, "predictions", predictions)
    rows = _squad_rows(predictions, gold_answers, language)
    count = len(gold_answers)
    return {"exact_match": 100.0 * sum(em for em, _ in rows) / count,
            "f1": 100.0 * sum(f1 for _, f1 in rows) / count}


def squad_units(
    predictions: Sequence[str | None],
    gold_answers: Sequence[Sequence[str]],
    language: str | None = None,
) -> np.ndarray:
    """(EM_i + F1_i) / 2 per question, in [0, 1], with ``squad_scores``' rules for ``language``.

    ``mean_percent`` of the rows is the QA task metric (EM + F1) / 2.
    """
    _check_parallel("squad_units", "gold answer lists", gold_answers, "predictions", predictions)
    return np.array([(em + f1) / 2 for em, f1 in _squad_rows(predictions, gold_answers, language)])


def _squad_rows(predictions, gold_answers, language) -> list[tuple[float, float]]:
    """(exact match, F1) per question, each the max over its gold answers, in [0, 1]."""
    if language is not None and language not in _MLQA_ARTICLES:
        raise XmixError(
            f"squad_scores: no MLQA normalisation for language {language!r} "
            f"(defined: {', '.join(sorted(_MLQA_ARTICLES))}); pass language=None for SQuAD v1.1 rules"
        )

    def normalise(text: str) -> str:
        return _squad_normalise(text) if language is None else _mlqa_normalise(text, language)

    rows = []
    for index, (prediction, answers) in enumerate(zip(predictions, gold_answers)):
        if isinstance(answers, str) or len(answers) == 0:
            raise XmixError(
                f"squad_scores: example {index} has gold {answers!r}; expected a non-empty list of answer strings"
            )
        if prediction is None:
            rows.append((0.0, 0.0))
            continue
        predicted = normalise(prediction)
        golds = [normalise(answer) for answer in answers]
        rows.append((max(float(predicted == gold) for gold in golds),
                     max(_token_f1(predicted.split(), gold.split()) for gold in golds)))
    return rows


# --- ranking (Mewsli-X, LAReQA) ------------------------------------------------

# XTREME-R scores LAReQA and Mewsli-X at 20 ("map@20"): deeper ranks cannot count,
# so prediction keeps only this many candidates per query.
RANKING_K = 20

def _check_ranking(what: str, ranked: Sequence[Sequence[Hashable]], relevant: Sequence[Collection[Hashable]], k: int) -> None:
    _check_parallel(what, "relevant sets", relevant, "rankings", ranked)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise XmixError(f"{what}: k must be a positive integer, got {k!r}")
    for index, items in enumerate(relevant):
        if len(items) == 0:
            raise XmixError(f"{what}: query {index} has no relevant items; its precision is undefined")


def _average_precision_at_k(ranking: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    hits = 0
    precision_sum = 0.0
    seen: set[Hashable] = set()
    for rank, item in enumerate(ranking[:k], start=1):
        # A repeated item keeps its rank slot but cannot score twice (as in utils_lareqa.py).
        if item in relevant and item not in seen:
            hits += 1
            precision_sum += hits / rank
        seen.add(item)
    return precision_sum / min(len(relevant), k)


def mean_average_precision_at_k(
    ranked: Sequence[Sequence[Hashable]],
    relevant: Sequence[Collection[Hashable]],
    k: int = RANKING_K,
) -> float:
    """LAReQA's mAP@k: every relevant answer counts, not just the first one found.

    Per query, AP@k = (sum of precision@r over the ranks r <= k holding a relevant
    item) / min(|relevant|, k); relevant items ranked below k or absent add 0 but
    stay in the divisor. This is ``average_precision_at_k`` in xtreme's
    ``utils_lareqa.py`` (the XTREME-R "mAP@20"). The LAReQA paper reported full
    mAP over the whole candidate pool (sklearn ``average_precision_score``); with
    11 relevant answers per question and k = 20 the divisor is the same, the only
    difference being that answers ranked below 20 earn nothing here.

    ``ranked`` must already be in rank order with ties broken by the caller;
    xtreme breaks them by ``argsort`` order, which is not a defined tie rule.
    """
    _check_ranking("mean_average_precision_at_k", ranked, relevant, k)
    total = sum(_average_precision_at_k(r, set(rel), k) for r, rel in zip(ranked, relevant))
    return 100.0 * total / len(relevant)


def average_precision_units(
    ranked: Sequence[Sequence[Hashable]],
    relevant: Sequence[Collection[Hashable]],
    k: int = RANKING_K,
) -> np.ndarray:
    """AP@k per query, in [0, 1]: ``mean_percent`` of the rows is ``mean_average_precision_at_k``."""
    _check_ranking("average_precision_units", ranked, relevant, k)
    return np.array([_average_precision_at_k(r, set(rel), k) for r, rel in zip(ranked, relevant)])


def mrr_at_k(
    ranked: Sequence[Sequence[Hashable]],
    relevant: Sequence[Collection[Hashable]],
    k: int = RANKING_K,
) -> float:
    """Mean reciprocal rank of the first relevant item within the top k (else 0).

    This is what XTREME-R reports as Mewsli-X "mAP@20" (``utils_mewslix.py``,
    ``mean_reciprocal_rank`` after truncating to ``TOP_K = 20``): with a single
    gold entity per mention, AP@20 and reciprocal rank coincide. Pass ``{gold}``
    per mention. With several relevant items (LAReQA) the two differ; use
    ``mean_average_precision_at_k`` there.
    """
    _check_ranking("mrr_at_k", ranked, relevant, k)
    total = sum(_reciprocal_rank_at_k(ranking, set(items), k) for ranking, items in zip(ranked, relevant))
    return 100.0 * total / len(relevant)


def _reciprocal_rank_at_k(ranking: Sequence[Hashable], wanted: Collection[Hashable], k: int) -> float:
    return next((1.0 / rank for rank, item in enumerate(ranking[:k], start=1) if item in wanted), 0.0)


def reciprocal_rank_units(
    ranked: Sequence[Sequence[Hashable]],
    relevant: Sequence[Collection[Hashable]],
    k: int = RANKING_K,
) -> np.ndarray:
    """Reciprocal rank@k per query, in [0, 1]: ``mean_percent`` of the rows is ``mrr_at_k``."""
    _check_ranking("reciprocal_rank_units", ranked, relevant, k)
    return np.array([_reciprocal_rank_at_k(r, set(rel), k) for r, rel in zip(ranked, relevant)])
