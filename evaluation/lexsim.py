"""Lexical similarity between a target language's evaluation text and a trial's stage-1 text.

Definition (logged per trial as ``lexsim/<task>/<lang>``, 0-100):

    lexsim = 100 * sum over subword types t of min(p_eval(t), p_train(t))

the histogram intersection (= 100 * (1 - total variation distance)) of two
subword-type frequency distributions under the model's own tokenizer (special
tokens excluded):

* ``p_eval``: the subword frequencies of the target-language side of the
  evaluated examples of that task and language (``language_texts``, after the
  eval cap). Tatoeba's English side is left out: it is the same English in
  every language, so counting it would make English-heavy mixtures look closer
  to every Tatoeba language;
* ``p_train``: the subword frequencies of the stage-1 tokens the trial actually
  trained on (the batches it drew, counted by the training loop), so a source
  contributes in proportion to the tokens it fed the model, not to its mixture
  weight (sources differ in length per example and in truncation).

It is frequency-weighted (frequent shared subwords count more than rare ones),
symmetric, 100 for identical distributions and 0 for disjoint vocabularies.

Per sweep, ``sweep.analysis`` relates each trial's lexsim to its score, both
taken relative to the ``english_only`` trial, with ``mean_spearman_test``: a
Spearman rho per (task, language) whose p-value permutes the trials, the
independent units (all languages of a trial share one model, and every gain
subtracts the same baseline run). Nothing here imports ``training`` or
``sweep``: callers pass texts and a tokenize function.
"""
from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from typing import Callable, Hashable, Iterable, Mapping, Sequence

import numpy as np
from scipy.stats import rankdata

from evaluation.errors import XmixError
from evaluation.examples import BitextExample, RankingExample

Tokenize = Callable[[Sequence[str]], list[list[Hashable]]]

# 8 trials give 8! = 40,320 orderings: cheap to enumerate, and exact. Beyond that,
# 10,000 random orderings put the Monte Carlo error of p = 0.05 near 0.002.
MAX_EXACT_PERMUTATIONS = 50_000
RANDOM_PERMUTATIONS = 10_000
# Permuted statistics equal to the observed one up to float summation order count as ties.
_TIE_TOLERANCE = 1e-12


def hf_tokenize(tokenizer, batch_size: int = 1000) -> Tokenize:
    """Batched subword ids from a Hugging Face tokenizer, without special tokens."""
    def tokenize(texts: Sequence[str]) -> list[list[Hashable]]:
        ids: list[list[Hashable]] = []
        for begin in range(0, len(texts), batch_size):
            ids.extend(tokenizer(list(texts[begin: begin + batch_size]), add_special_tokens=False)["input_ids"])
        return ids
    return tokenize


def language_texts(example) -> tuple[str, ...]:
    """The target-language text of an evaluated example.

    Tatoeba pairs a sentence with its English translation: only the sentence is in
    the target language. A retrieval query is in the target language; its candidate
    pool is shared across languages (and for Mewsli-X is English), so it is not counted.
    """
    if isinstance(example, BitextExample):
        return (example.source,)
    if isinstance(example, RankingExample):
        return (example.query,)
    return example.texts()


def subword_counts(texts: Iterable[str], tokenize: Tokenize) -> Counter:
    return Counter(token for tokens in tokenize(list(texts)) for token in tokens)


def distribution(counts: Mapping[Hashable, int]) -> dict[Hashable, float]:
    total = sum(counts.values())
    if total == 0:
        raise XmixError("lexical similarity: no subwords in the text (empty or untokenisable)")
    return {token: count / total for token, count in counts.items()}


def histogram_intersection(p: Mapping[Hashable, float], q: Mapping[Hashable, float]) -> float:
    """100 * sum_t min(p(t), q(t)) for two distributions."""
    small, large = (p, q) if len(p) <= len(q) else (q, p)
    return 100.0 * math.fsum(min(value, large.get(token, 0.0)) for token, value in small.items())


def lexical_similarity(eval_texts: Sequence[str], train_distribution: Mapping[Hashable, float],
                       tokenize: Tokenize) -> float:
    return histogram_intersection(distribution(subword_counts(eval_texts, tokenize)), train_distribution)


def trial_lexsim(eval_texts: Mapping[tuple[str, str], Sequence[str]], trained_counts: Mapping[Hashable, int],
                 tokenize: Tokenize) -> dict[str, float]:
    """``{"lexsim/<task>/<lang>": value}`` for one trial.

    ``eval_texts[(task, language)]``: the ``language_texts`` of the evaluated examples;
    ``trained_counts``: subword id -> how often stage 1 trained on it.
    """
    if sum(trained_counts.values()) == 0:
        raise XmixError("lexical similarity: trained_counts is empty (stage 1 trained on no tokens?)")
    train = distribution(trained_counts)
    return {f"lexsim/{task}/{language}": lexical_similarity(texts, train, tokenize)
            for (task, language), texts in sorted(eval_texts.items())}


# --- Spearman's rho with a permutation test over trials ------------------------------------

def _unit_ranks(values: Sequence[float], name: str) -> np.ndarray:
    """Average ranks (Spearman's tie rule), centred and scaled to unit norm, so that
    rho(x, y) = sum(_unit_ranks(x) * _unit_ranks(y))."""
    centred = rankdata(np.asarray(values, dtype=float)) - (len(values) + 1) / 2
    norm = math.sqrt(float(centred @ centred))
    if norm == 0.0:
        raise XmixError(f"Spearman's rho: {name} is constant ({values[0]!r} for all {len(values)} trials)")
    return centred / norm


@functools.lru_cache(maxsize=8)  # one sweep tests every cell on the same orderings
def trial_permutations(n_trials: int, seed: int = 0) -> tuple[np.ndarray, bool]:
    """Orderings of the trials, one per row (read-only), and whether they are all n! of them."""
    if math.factorial(n_trials) <= MAX_EXACT_PERMUTATIONS:
        orderings, exact = np.array(list(itertools.permutations(range(n_trials)))), True
    else:
        rows = np.tile(np.arange(n_trials), (RANDOM_PERMUTATIONS, 1))
        orderings, exact = np.random.default_rng(seed).permuted(rows, axis=1), False
    orderings.setflags(write=False)
    return orderings, exact


def mean_spearman_test(cells: Sequence[tuple[Sequence[float], Sequence[float]]], seed: int = 0) -> dict:
    """Mean over cells of Spearman's rho(x_c, y_c), with a two-sided permutation p-value.

    Every cell's x and y list the same trials in the same order. The null reorders
    y across trials with one permutation shared by all cells, so what the trials of
    a cell have in common with the other cells (one model, one baseline) is kept:
    two identical cells give the p-value of one. One cell gives its own rho and p.
    Returns ``{"spearman", "p_value", "n", "permutations", "exact"}``; n = trials.
    """
    if not cells:
        raise XmixError("Spearman's rho: no cells to test")
    n = len(cells[0][0])
    if any(len(x) != n or len(y) != n for x, y in cells):
        raise XmixError("Spearman's rho: every cell must list the same trials "
                        f"(lengths {[(len(x), len(y)) for x, y in cells]})")
    if n < 3:
        raise XmixError(f"Spearman's rho: {n} trials; a permutation test needs at least 3")
    x_ranks = [_unit_ranks(x, "x") for x, _ in cells]
    y_ranks = [_unit_ranks(y, "y") for _, y in cells]
    observed = float(np.mean([x @ y for x, y in zip(x_ranks, y_ranks)]))
    orderings, exact = trial_permutations(n, seed)
    null = sum(y[orderings] @ x for x, y in zip(x_ranks, y_ranks)) / len(cells)
    extreme = int(np.count_nonzero(np.abs(null) >= abs(observed) - _TIE_TOLERANCE))
    # Exact: the identity is one of the orderings. Random: count the observed
    # ordering once more, so p is never 0 (Phipson & Smyth 2010).
    p_value = extreme / len(orderings) if exact else (extreme + 1) / (len(orderings) + 1)
    return {"spearman": observed, "p_value": p_value, "n": n, "permutations": len(orderings), "exact": exact}


def spearman_test(x: Sequence[float], y: Sequence[float], seed: int = 0) -> dict:
    """Spearman's rho of one cell with its permutation p-value (``mean_spearman_test`` of one cell)."""
    return mean_spearman_test([(x, y)], seed)
