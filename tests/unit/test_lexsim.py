"""Hand-worked cases for evaluation.lexsim; the arithmetic is in the comments."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from evaluation.errors import XmixError
from evaluation.examples import BitextExample, CandidatePool, PairExample, RankingExample
from evaluation.lexsim import (histogram_intersection, hf_tokenize, language_texts, lexical_similarity,
                               mean_spearman_test, spearman_test, subword_counts, trial_lexsim,
                               trial_permutations)


def words(texts):
    return [text.split() for text in texts]


def test_histogram_intersection_bounds():
    assert histogram_intersection({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == pytest.approx(100.0)
    assert histogram_intersection({"a": 1.0}, {"b": 1.0}) == 0.0
    # min(.2, .6) + min(.8, .4) = .6
    assert histogram_intersection({"a": 0.2, "b": 0.8}, {"a": 0.6, "b": 0.4}) == pytest.approx(60.0)


def test_trained_tokens_weight_the_stage1_distribution():
    # Stage 1 trained on 2 x "a", 1 x "b", 1 x "c": p_train = {a: .5, b: .25, c: .25},
    # whatever the mixture weights were.
    trained = subword_counts(["a a", "b c"], words)
    assert trained == Counter({"a": 2, "b": 1, "c": 1})
    # eval "a b": {a: .5, b: .5}; intersection .5 + .25 = .75; "z z" shares nothing
    metrics = trial_lexsim({("xnli", "de"): ["a b"], ("tatoeba", "deu"): ["z z"]}, trained, words)
    assert metrics == {"lexsim/tatoeba/deu": 0.0, "lexsim/xnli/de": pytest.approx(75.0)}
    # Twice as many "b" tokens trained: p_train = {a: .4, b: .4, c: .2}; .4 + .4 = .8
    assert trial_lexsim({("xnli", "de"): ["a b"]}, Counter({"a": 2, "b": 2, "c": 1}), words) == {
        "lexsim/xnli/de": pytest.approx(80.0)}


def test_errors_are_named():
    with pytest.raises(XmixError, match="trained_counts is empty"):
        trial_lexsim({("xnli", "de"): ["a"]}, Counter(), words)
    with pytest.raises(XmixError, match="no subwords"):
        lexical_similarity([""], {"a": 1.0}, words)


def test_language_texts_keep_the_target_language_side():
    bitext = BitextExample(source="Ich habe Hunger.", english="I am hungry.")
    assert bitext.texts() == ("Ich habe Hunger.", "I am hungry.")
    assert language_texts(bitext) == ("Ich habe Hunger.",)
    pool = CandidatePool(name="pool", ids=("c1",), texts=("an English candidate",))
    assert language_texts(RankingExample(qid="q", query="Wer?", relevant=("c1",), pool=pool)) == ("Wer?",)
    assert language_texts(PairExample("Ein Satz.", "Noch einer.", 0)) == ("Ein Satz.", "Noch einer.")


def test_tatoeba_english_side_no_longer_favours_english_training():
    # English-only stage 1 against a German Tatoeba pair: with the English side the
    # eval text shares "i am hungry"; without it, nothing.
    trained = subword_counts(["i am hungry"], words)
    pair = BitextExample(source="ich habe hunger", english="i am hungry")
    with_english = trial_lexsim({("tatoeba", "deu"): list(pair.texts())}, trained, words)
    target_only = trial_lexsim({("tatoeba", "deu"): list(language_texts(pair))}, trained, words)
    assert with_english["lexsim/tatoeba/deu"] == pytest.approx(50.0)
    assert target_only["lexsim/tatoeba/deu"] == 0.0


def test_spearman_matches_scipy_and_enumerates_small_trial_counts():
    x, y = [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 3.0]
    # ranks 1 2 3 4 vs 1 2 4 3: d^2 = 2; rho = 1 - 6*2/(4*15) = 0.8
    result = spearman_test(x, y)
    assert result["spearman"] == pytest.approx(0.8) == pytest.approx(spearmanr(x, y).statistic)
    assert result["n"] == 4 and result["exact"] and result["permutations"] == 24
    # |rho| >= 0.8 among the 24 orderings of y: rho = 1 (1 ordering), 0.8 (3 orderings: one
    # adjacent swap), and their mirror images -1, -0.8: 8 / 24
    assert result["p_value"] == pytest.approx(8 / 24)
    # ties: average ranks, as scipy
    tied = spearman_test([1.0, 1.0, 2.0, 3.0, 5.0], [2.0, 1.0, 1.0, 4.0, 3.0])
    assert tied["spearman"] == pytest.approx(spearmanr([1, 1, 2, 3, 5], [2, 1, 1, 4, 3]).statistic)


def test_many_trials_use_seeded_random_permutations():
    orderings, exact = trial_permutations(12, seed=3)
    assert not exact and orderings.shape == (10_000, 12)
    assert (np.sort(orderings, axis=1) == np.arange(12)).all()
    again, _ = trial_permutations(12, seed=3)
    assert (orderings == again).all()
    x = np.arange(12.0)
    result = spearman_test(x, x + 0.1 * np.sin(x))
    # nothing beats a perfect ordering: p = 1 / (10,000 + 1) up to random ties at rho = 1
    assert result["spearman"] == pytest.approx(1.0) and result["p_value"] < 0.001


def test_planted_monotone_relation_is_found_and_the_null_is_not():
    rng = np.random.default_rng(0)
    n_trials = 8
    x = rng.normal(size=n_trials)
    planted = spearman_test(x, 2.0 * x + 0.3 * rng.normal(size=n_trials))
    assert planted["spearman"] > 0.8 and planted["p_value"] < 0.01 and planted["exact"]
    null_p = [spearman_test(rng.normal(size=n_trials), rng.normal(size=n_trials))["p_value"]
              for _ in range(200)]
    # Under the null an exact permutation p is (close to) uniform: about 5 % below 0.05.
    assert np.mean(np.array(null_p) < 0.05) <= 0.10
    assert np.median(null_p) > 0.3 and max(null_p) > 0.9


def test_joint_permutation_keeps_the_dependence_between_cells():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=7), rng.normal(size=7)
    single = spearman_test(x, y)
    twice = mean_spearman_test([(x, y), (x, y)])
    assert twice["spearman"] == pytest.approx(single["spearman"])
    assert twice["p_value"] == pytest.approx(single["p_value"]) and twice["n"] == 7
    # also with random permutations (12 trials): the same orderings for one cell and for both
    x, y = rng.normal(size=12), rng.normal(size=12)
    assert mean_spearman_test([(x, y), (x, y)])["p_value"] == pytest.approx(spearman_test(x, y)["p_value"])
    # A cell and its mirror image cancel: mean rho 0, p 1.
    mirrored = mean_spearman_test([(x, y), (x, -y)])
    assert mirrored["spearman"] == pytest.approx(0.0) and mirrored["p_value"] == pytest.approx(1.0)


def test_spearman_input_errors():
    with pytest.raises(XmixError, match="y is constant"):
        spearman_test([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
    with pytest.raises(XmixError, match="at least 3"):
        spearman_test([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(XmixError, match="same trials"):
        mean_spearman_test([([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])])


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
