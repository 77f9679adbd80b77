"""Lexical similarity between a target language's evaluation text and a trial's stage-1 text.

Definition (logged per trial as ``lexsim/<task>/<lang>``, 0-100):

    lexsim = 100 * sum over subword types t of min(p_eval(t), p_train(t))

the histogram intersection (= 100 * (1 - total variation distance)) of two
subword-type frequency distributions under the model's own tokenizer (special
tokens excluded):

* ``p_eval``: the subword frequencies of the evaluated examples' texts of that
  task and language (``Example.texts()``, after the eval cap);
* ``p_train``: the distribution stage 1 samples from: each source's subword
  frequencies, mixed with the trial's mixture weights (the sampler draws a
  source per batch with probability equal to its weight), so a source with
  weight 0 contributes nothing.

It is frequency-weighted (frequent shared subwords count more than rare ones),
symmetric, 100 for identical distributions and 0 for disjoint vocabularies.

Per sweep, ``gain_vs_lexsim`` correlates each (task, language)'s gain over the
``english_only`` baseline with its lexical similarity (Spearman's rho and its
p-value, ``analysis/gain_vs_lexsim_spearman``), and ``scatter_plot`` draws them.
Nothing here imports ``training`` or ``sweep``: callers pass texts and a
tokenize function.
"""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Callable, Hashable, Iterable, Mapping, Sequence

from evaluation.errors import XmixError
from evaluation.scores import language_score

Tokenize = Callable[[Sequence[str]], list[list[Hashable]]]


def hf_tokenize(tokenizer, batch_size: int = 1000) -> Tokenize:
    """Batched subword ids from a Hugging Face tokenizer, without special tokens."""
    def tokenize(texts: Sequence[str]) -> list[list[Hashable]]:
        ids: list[list[Hashable]] = []
        for begin in range(0, len(texts), batch_size):
            ids.extend(tokenizer(list(texts[begin: begin + batch_size]), add_special_tokens=False)["input_ids"])
        return ids
    return tokenize


def subword_counts(texts: Iterable[str], tokenize: Tokenize) -> Counter:
    return Counter(token for tokens in tokenize(list(texts)) for token in tokens)


def distribution(counts: Mapping[Hashable, int]) -> dict[Hashable, float]:
    total = sum(counts.values())
    if total == 0:
        raise XmixError("lexical similarity: no subwords in the text (empty or untokenisable)")
    return {token: count / total for token, count in counts.items()}


def mixture_distribution(source_counts: Mapping[str, Mapping[Hashable, int]],
                         weights: Mapping[str, float]) -> dict[Hashable, float]:
    """sum_s w_s * p_s over the sources with weight > 0 (weights are renormalised)."""
    used = {name: w for name, w in weights.items() if w > 0}
    missing = [name for name in used if name not in source_counts]
    if missing:
        raise XmixError(f"lexical similarity: no subword counts for source(s) {', '.join(missing)}")
    if not used:
        raise XmixError("lexical similarity: the mixture has no source with weight > 0")
    total = math.fsum(used.values())
    mixed: dict[Hashable, float] = {}
    for name, weight in used.items():
        for token, p in distribution(source_counts[name]).items():
            mixed[token] = mixed.get(token, 0.0) + weight / total * p
    return mixed


def histogram_intersection(p: Mapping[Hashable, float], q: Mapping[Hashable, float]) -> float:
    """100 * sum_t min(p(t), q(t)) for two distributions."""
    small, large = (p, q) if len(p) <= len(q) else (q, p)
    return 100.0 * math.fsum(min(value, large.get(token, 0.0)) for token, value in small.items())


def lexical_similarity(eval_texts: Sequence[str], train_distribution: Mapping[Hashable, float],
                       tokenize: Tokenize) -> float:
    return histogram_intersection(distribution(subword_counts(eval_texts, tokenize)), train_distribution)


def trial_lexsim(eval_texts: Mapping[tuple[str, str], Sequence[str]],
                 source_counts: Mapping[str, Mapping[Hashable, int]],
                 weights: Mapping[str, float], tokenize: Tokenize) -> dict[str, float]:
    """``{"lexsim/<task>/<lang>": value}`` for one trial's mixture.

    ``source_counts`` (``subword_counts`` of each source's texts) depends only on
    the source and the tokenizer, so a caller can compute it once per sweep.
    """
    train = mixture_distribution(source_counts, weights)
    return {f"lexsim/{task}/{language}": lexical_similarity(texts, train, tokenize)
            for (task, language), texts in sorted(eval_texts.items())}


# --- per sweep: gain over english_only vs. lexical similarity ------------------------------

def language_gains(scores: Mapping, baseline: Mapping) -> dict[tuple[str, str], float]:
    """(task, language) -> this trial's language score minus the english_only baseline's.

    Only pairs evaluated in both score JSONs; the language score is the task metric
    (QA: mean of EM and F1), as in ``evaluation.scores``.
    """
    gains = {}
    for task, entry in scores["tasks"].items():
        base_entry = baseline["tasks"].get(task)
        if base_entry is None:
            continue
        for language, metrics in entry["languages"].items():
            if language in base_entry["languages"]:
                gains[(task, language)] = (language_score(task, metrics)
                                           - language_score(task, base_entry["languages"][language]))
    return gains


def gain_vs_lexsim(points: Sequence[tuple[str, float, float]]) -> dict[str, float | None]:
    """Spearman's rho of (gain, lexsim) over ``points`` = [(label, gain, lexsim)].

    Returns ``{"spearman": rho, "p_value": p, "n": n}``; rho and p are None with
    fewer than 3 points or when either variable is constant (rho is undefined).
    """
    n = len(points)
    gains = [gain for _, gain, _ in points]
    sims = [sim for _, _, sim in points]
    if n < 3 or len(set(gains)) < 2 or len(set(sims)) < 2:
        return {"spearman": None, "p_value": None, "n": n}
    from scipy.stats import spearmanr

    result = spearmanr(gains, sims)
    return {"spearman": float(result.statistic), "p_value": float(result.pvalue), "n": n}


def scatter_plot(points: Sequence[tuple[str, float, float]], path: Path, title: str = "") -> Path:
    """gain (y) against lexical similarity (x), one labelled dot per point; writes ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 5))
    axes.scatter([sim for _, _, sim in points], [gain for _, gain, _ in points], s=18)
    for label, gain, sim in points:
        axes.annotate(label, (sim, gain), fontsize=7, xytext=(3, 3), textcoords="offset points")
    axes.axhline(0.0, color="grey", linewidth=0.8)
    axes.set_xlabel("lexical similarity to stage-1 text (subword histogram intersection, 0-100)")
    axes.set_ylabel("gain over english_only (task metric points)")
    stats = gain_vs_lexsim(points)
    rho = "n/a" if stats["spearman"] is None else f"{stats['spearman']:.2f} (p = {stats['p_value']:.3g})"
    axes.set_title(title or f"gain vs. lexical similarity: Spearman rho {rho}, n = {stats['n']}")
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
