"""Hand-worked cases for evaluation.lexsim; the arithmetic is in the comments."""
from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.lexsim import (gain_vs_lexsim, histogram_intersection, hf_tokenize, language_gains,
                               lexical_similarity, mixture_distribution, scatter_plot, subword_counts,
                               trial_lexsim)
from evaluation.scores import build_scores


def words(texts):
    return [text.split() for text in texts]


def test_histogram_intersection_bounds():
    assert histogram_intersection({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == pytest.approx(100.0)
    assert histogram_intersection({"a": 1.0}, {"b": 1.0}) == 0.0
    # min(.2, .6) + min(.8, .4) = .6
    assert histogram_intersection({"a": 0.2, "b": 0.8}, {"a": 0.6, "b": 0.4}) == pytest.approx(60.0)


def test_mixture_weights_the_sources():
    counts = {"s1": subword_counts(["a a"], words), "s2": subword_counts(["b c"], words),
              "s3": subword_counts(["z"], words)}
    # p_train = .5 * {a: 1} + .5 * {b: .5, c: .5} = {a: .5, b: .25, c: .25}; s3 has weight 0
    mixed = mixture_distribution(counts, {"s1": 0.5, "s2": 0.5, "s3": 0.0})
    assert mixed == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25})
    # eval "a b": {a: .5, b: .5}; intersection .5 + .25 = .75
    assert lexical_similarity(["a b"], mixed, words) == pytest.approx(75.0)
    metrics = trial_lexsim({("xnli", "de"): ["a b"], ("tatoeba", "deu"): ["z z"]}, counts,
                           {"s1": 0.5, "s2": 0.5, "s3": 0.0}, words)
    assert metrics == {"lexsim/tatoeba/deu": 0.0, "lexsim/xnli/de": pytest.approx(75.0)}


def test_errors_are_named():
    with pytest.raises(XmixError, match="no subword counts for source"):
        mixture_distribution({}, {"mnli": 1.0})
    with pytest.raises(XmixError, match="no subwords"):
        lexical_similarity([""], {"a": 1.0}, words)


def test_gains_over_the_english_only_baseline():
    trial = build_scores({"xnli": {"de": {"accuracy": 70.0}, "zh": {"accuracy": 60.0}},
                          "xquad": {"de": {"exact_match": 40.0, "f1": 60.0}}})
    baseline = build_scores({"xnli": {"de": {"accuracy": 65.0}},
                             "xquad": {"de": {"exact_match": 30.0, "f1": 50.0}}})
    # xnli/de 70 - 65 = 5; xquad/de (40+60)/2 - (30+50)/2 = 10; zh has no baseline
    assert language_gains(trial, baseline) == {("xnli", "de"): pytest.approx(5.0),
                                               ("xquad", "de"): pytest.approx(10.0)}


def test_spearman_and_plot(tmp_path):
    points = [("a", 1.0, 10.0), ("b", 2.0, 20.0), ("c", 3.0, 30.0), ("d", 2.5, 40.0)]
    # ranks of gain 1, 2, 4, 3 vs. lexsim 1, 2, 3, 4: d^2 = 0+0+1+1 = 2; rho = 1 - 6*2/(4*15) = 0.8
    stats = gain_vs_lexsim(points)
    assert stats["spearman"] == pytest.approx(0.8) and stats["n"] == 4 and 0 < stats["p_value"] < 1
    assert gain_vs_lexsim(points[:2]) == {"spearman": None, "p_value": None, "n": 2}
    assert gain_vs_lexsim([("a", 1.0, 5.0), ("b", 1.0, 6.0), ("c", 1.0, 7.0)])["spearman"] is None
    path = scatter_plot(points, tmp_path / "plots/gain_vs_lexsim.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hf_tokenize_uses_the_model_tokenizer():
    model = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "multilingual-e5-small"
    if not model.is_dir():
        pytest.skip("no shared model")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model))
    tokenize = hf_tokenize(tokenizer, batch_size=1)
    ids = tokenize(["Hallo Welt", "Hallo"])
    assert ids[1] == ids[0][: len(ids[1])] and tokenizer.cls_token_id not in ids[0]
    assert lexical_similarity(["Hallo Welt"], {t: 1 / len(ids[0]) for t in ids[0]}, tokenize) == pytest.approx(100.0)
