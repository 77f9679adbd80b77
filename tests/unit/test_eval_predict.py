"""Prediction for the issue-3 formats: QA windows and spans, multiple choice, ranking.

Uses the real tokenizer and a 2-layer copy of the shared encoder (untrained
heads): the tests check the plumbing (windows cover the answer, spans map back
to context characters, ranking order and its pool cache), not accuracy.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from evaluation.examples import CandidatePool, ChoiceExample, Format, RankingExample, SpanExample
from evaluation.readers import read_squad
from training import predict as predict_module
from training.eval_features import featurise_span_windows, truncate_question, window_stride
from training.predict import best_span, predict

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT.parent / "shared" / "models" / "multilingual-e5-small"
DATA_ROOT = Path(os.environ.get("XMIX_DATA") or ROOT.parent / "shared" / "data")
pytestmark = pytest.mark.skipif(not MODEL.is_dir() or not DATA_ROOT.is_dir(), reason="needs the shared model and data")


@pytest.fixture(scope="module")
def encoder():
    import transformers

    from training.model import load_encoder

    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    tokenizer, model = load_encoder(str(MODEL), 2)
    return tokenizer, model


def _model(encoder, fmt=None):
    from training.model import MultiHeadModel, make_head

    tokenizer, base = encoder
    heads = {} if fmt is None else {"target": make_head(fmt, base.config.hidden_size, 2)}
    model = MultiHeadModel(base, heads).eval()
    return tokenizer, model, (heads.get("target") if heads else None)


def test_best_span_hand_cases():
    start = torch.tensor([0.0, 5.0, 1.0, 9.0])
    end = torch.tensor([0.0, 1.0, 7.0, 2.0])
    everywhere = torch.ones(4, dtype=torch.bool)
    # valid pairs (start <= end): (1, 2) = 5 + 7 = 12 is the best; (3, 3) = 11; (2, 2) = 8
    assert best_span(start, end, everywhere) == (12.0, 1, 2)
    # an end before the start is never chosen: (3, 2) would be 16
    assert best_span(start, end, everywhere)[1:] != (3, 2)
    # answers of at most 1 token: (3, 3) = 11
    assert best_span(start, end, everywhere, max_tokens=1) == (11.0, 3, 3)
    # only tokens 0 and 1 in the context: (1, 1) = 6
    assert best_span(start, end, torch.tensor([True, True, False, False])) == (6.0, 1, 1)
    assert best_span(start, end, torch.zeros(4, dtype=torch.bool))[1:] == (-1, -1)


def test_windows_cover_every_answer_and_map_back_to_context(encoder):
    tokenizer, _ = encoder
    examples = read_squad(DATA_ROOT / "xquad/xquad.de.json")[:25]
    windows = featurise_span_windows(examples, tokenizer, max_length=48)
    assert {w.example for w in windows} == set(range(len(examples)))
    assert all(len(w.input_ids) <= 48 for w in windows)
    assert window_stride(48) == (48 - 24 - 4) // 2
    for index, example in enumerate(examples):
        text, start = example.answers[0]
        end = start + len(text)
        found = False
        for window in (w for w in windows if w.example == index):
            covering = [i for i, span in enumerate(window.offsets) if span and span[0] < end and span[1] > start]
            inside = [span for span in window.offsets if span]
            if covering and inside[0][0] <= start and inside[-1][1] >= end:
                recovered = example.context[window.offsets[covering[0]][0]: window.offsets[covering[-1]][1]]
                assert text.strip() in recovered
                found = True
        assert found, f"no window holds the answer of question {index}"


def test_long_questions_are_cut_at_a_token_boundary(encoder):
    tokenizer, _ = encoder
    question = "Wer " + "sehr " * 80 + "lange?"
    cut = truncate_question(question, tokenizer, 10)
    assert question.startswith(cut) and len(tokenizer(cut, add_special_tokens=False)["input_ids"]) == 10


def test_predict_spans_returns_context_substrings(encoder):
    tokenizer, model, head = _model(encoder, Format.EXTRACTIVE_QA)
    examples = read_squad(DATA_ROOT / "xquad/xquad.zh.json")[:6]
    answers = predict(Format.EXTRACTIVE_QA, model, head, examples, (), tokenizer, 48, 16)
    assert len(answers) == 6
    assert all(answer and answer in example.context for answer, example in zip(answers, examples))


def test_predict_choices_handles_mixed_choice_counts(encoder, tmp_path):
    tokenizer, model, head = _model(encoder, Format.MULTIPLE_CHOICE)
    examples = [ChoiceExample("It rained.", ("The street got wet.", "The sun shone."), 0),
                ChoiceExample("He was hungry.", ("He ate.", "He slept.", "He ran."), 0),
                ChoiceExample("She won.", ("She cheered.", "She cried."), 1)]
    labels = predict(Format.MULTIPLE_CHOICE, model, head, examples, ("0", "1"), tokenizer, 32, 8, tmp_path)
    assert len(labels) == 3 and labels[0] in (0, 1) and labels[1] in (0, 1, 2) and labels[2] in (0, 1)


def test_predict_ranking_puts_an_identical_candidate_first_and_caches_the_pool(encoder, monkeypatch):
    tokenizer, model, _ = _model(encoder)
    texts = ("Berlin is the capital of Germany.", "Paris is in France.", "Cats purr.", "The Danube is long.")
    pool = CandidatePool("test", ("c0", "c1", "c2", "c3"), texts)
    examples = [RankingExample("q1", texts[3], ("c3",), pool), RankingExample("q2", texts[1], ("c1",), pool)]
    calls = []
    real_embed = predict_module.embed
    monkeypatch.setattr(predict_module, "embed", lambda m, t, *a: calls.append(len(t)) or real_embed(m, t, *a))
    ranked = predict(Format.RANKING, model, None, examples, (), tokenizer, 32, 8)
    assert [r[0] for r in ranked] == ["c3", "c1"] and all(sorted(r) == list(pool.ids) for r in ranked)
    predict(Format.RANKING, model, None, examples[:1], (), tokenizer, 32, 8)
    assert calls == [4, 2, 1]  # the pool was embedded once
    with torch.no_grad():
        next(model.parameters()).add_(0.0)  # an in-place update: the cached pool is stale
    predict(Format.RANKING, model, None, examples[:1], (), tokenizer, 32, 8)
    assert calls == [4, 2, 1, 4, 1]
