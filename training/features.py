"""Examples -> tokenised features, one pure function per format.

Padding is left to the collator (dynamic padding), so cached features do not
depend on batch shape; label ids come from the label list the head was built with.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Sequence

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Example, Format, PairExample, SpanExample, TagExample

IGNORE_INDEX = -100  # positions the loss skips (subword continuations, padding)


def example_rows(examples: Sequence[Example]) -> list[dict]:
    """Dataclasses -> plain rows a ``datasets.Dataset`` can hold."""
    rows = []
    for example in examples:
        if isinstance(example, SpanExample):
            text, start = example.answers[0]
            rows.append({"question": example.question, "context": example.context,
                         "answer_text": text, "answer_start": start})
        elif isinstance(example, (PairExample, ChoiceExample, TagExample)):
            row = asdict(example)
            if isinstance(example, PairExample):
                row["text_b"] = example.text_b or ""
            rows.append(row)
        else:
            raise XmixError(f"cannot featurise {type(example).__name__} for training")
    return rows


def featurise_classification(batch, *, tokenizer, max_length, labels):
    pairs = [b if b else None for b in batch["text_b"]]
    has_pairs = any(p is not None for p in pairs)
    encoded = tokenizer(batch["text_a"], [p or "" for p in pairs] if has_pairs else None,
                        truncation=True, max_length=max_length, return_token_type_ids=False)
    encoded["labels"] = list(batch["label"])
    return encoded


def featurise_multiple_choice(batch, *, tokenizer, max_length, labels):
    contexts, endings = [], []
    for context, choices in zip(batch["context"], batch["choices"]):
        contexts.extend([context] * len(choices))
        endings.extend(choices)
    flat = tokenizer(contexts, endings, truncation=True, max_length=max_length, return_token_type_ids=False)
    encoded = {"input_ids": [], "attention_mask": []}
    position = 0
    for choices in batch["choices"]:
        for key in encoded:
            encoded[key].append(flat[key][position: position + len(choices)])
        position += len(choices)
    encoded["labels"] = list(batch["label"])
    return encoded


def featurise_extractive_qa(batch, *, tokenizer, max_length, labels):
    """One window per question; an answer cut off by truncation points at <s> (index 0)."""
    encoded = tokenizer(batch["question"], batch["context"], truncation="only_second",
                        max_length=max_length, return_offsets_mapping=True, return_token_type_ids=False)
    starts, ends = [], []
    for index, offsets in enumerate(encoded["offset_mapping"]):
        sequence_ids = encoded.sequence_ids(index)
        answer_start = batch["answer_start"][index]
        answer_end = answer_start + len(batch["answer_text"][index])
        start_token = end_token = 0
        for token, (span, seq) in enumerate(zip(offsets, sequence_ids)):
            if seq != 1:
                continue
            if span[0] <= answer_start < span[1]:
                start_token = token
            if span[0] < answer_end <= span[1]:
                end_token = token
        if start_token == 0 or end_token < start_token:
            start_token = end_token = 0
        starts.append(start_token)
        ends.append(end_token)
    encoded.pop("offset_mapping")
    encoded["start_positions"] = starts
    encoded["end_positions"] = ends
    return encoded


def featurise_tagging(batch, *, tokenizer, max_length, labels):
    """Label the first subword of each word; the rest are ignored (XTREME's convention)."""
    label_id = {name: index for index, name in enumerate(labels)}
    encoded = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True,
                        max_length=max_length, return_token_type_ids=False)
    all_labels = []
    for index, tags in enumerate(batch["tags"]):
        previous = None
        row = []
        for word in encoded.word_ids(index):
            if word is None or word == previous:
                row.append(IGNORE_INDEX)
            else:
                row.append(label_id.get(tags[word], IGNORE_INDEX))
            previous = word
        all_labels.append(row)
    encoded["labels"] = all_labels
    return encoded


FEATURISERS = {
    Format.CLASSIFICATION: featurise_classification,
    Format.MULTIPLE_CHOICE: featurise_multiple_choice,
    Format.EXTRACTIVE_QA: featurise_extractive_qa,
    Format.TAGGING: featurise_tagging,
}
