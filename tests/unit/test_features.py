"""Featurisation with the real tokenizer: answer spans and first-subword tags line up."""
from __future__ import annotations

from evaluation.examples import Format, PairExample, SpanExample, TagExample
from training.features import FEATURISERS, IGNORE_INDEX, example_rows


def featurise(fmt, examples, tokenizer, max_length=64, labels=()):
    rows = example_rows(examples)
    batch = {key: [row[key] for row in rows] for key in rows[0]}
    return FEATURISERS[fmt](batch, tokenizer=tokenizer, max_length=max_length, labels=labels)


def test_answer_span_maps_to_answer_tokens(tokenizer):
    context = "The Eiffel Tower was completed in 1889 in Paris."
    example = SpanExample("q1", "When was it completed?", context, (("1889", context.index("1889")),))
    encoded = featurise(Format.EXTRACTIVE_QA, [example], tokenizer)
    start, end = encoded["start_positions"][0], encoded["end_positions"][0]
    assert 0 < start <= end
    assert tokenizer.decode(encoded["input_ids"][0][start: end + 1]).strip() == "1889"


def test_truncated_answer_points_at_the_first_token(tokenizer):
    context = "word " * 200 + "answer"
    example = SpanExample("q2", "Where?", context, (("answer", context.index("answer")),))
    encoded = featurise(Format.EXTRACTIVE_QA, [example], tokenizer, max_length=32)
    assert (encoded["start_positions"][0], encoded["end_positions"][0]) == (0, 0)


def test_tags_on_first_subword_only(tokenizer):
    example = TagExample(("Anton", "Wilhelmsburgerstraße", "lebt"), ("B-PER", "B-LOC", "O"))
    labels = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
    encoded = featurise(Format.TAGGING, [example], tokenizer, labels=labels)
    kept = [label for label in encoded["labels"][0] if label != IGNORE_INDEX]
    assert kept == [1, 5, 0]  # one label per word, in word order
    assert len(encoded["labels"][0]) == len(encoded["input_ids"][0])


def test_single_sentence_and_pair_classification(tokenizer):
    encoded = featurise(Format.CLASSIFICATION, [PairExample("good film", None, 1)], tokenizer)
    assert encoded["labels"] == [1]
    assert tokenizer.sep_token_id not in encoded["input_ids"][0][1:-1]
    pair = featurise(Format.CLASSIFICATION, [PairExample("a cat", "an animal", 0)], tokenizer)
    assert pair["input_ids"][0].count(tokenizer.sep_token_id) >= 2
