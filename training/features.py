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


def _boundary_ids(tokenizer) -> set[int]:
    """Ids of pieces that are a bare word boundary (SentencePiece's lone "▁")."""
    ids = set()
    for piece in ("\u2581", " "):
        token_id = tokenizer.convert_tokens_to_ids(piece)
        if token_id is not None and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return ids


def featurise_tagging(batch, *, tokenizer, max_length, labels):
    """Label the first subword of each word (XTREME's convention), the rest are ignored.

    One deviation: a word that SentencePiece splits into a bare boundary piece "▁" plus
    its text (most Chinese and Japanese characters under XLM-R's vocabulary: "▁", "鎮")
    loses the bare piece. Otherwise the label sits on "▁", whose embedding is the same
    for every such word, and each character costs two positions of max_length: PAN-X zh
    scored F1 0.0 in every demo trial (benchmarks/RESULTS.md).
    """
    label_id = {name: index for index, name in enumerate(labels)}
    boundary = _boundary_ids(tokenizer)
    encoded = tokenizer(batch["tokens"], is_split_into_words=True, truncation=False,
                        return_token_type_ids=False)
    out = {"input_ids": [], "attention_mask": [], "labels": []}
    for index, tags in enumerate(batch["tags"]):
        ids, words = encoded["input_ids"][index], encoded.word_ids(index)
        pieces_per_word: dict[int, int] = {}
        for word in words:
            if word is not None:
                pieces_per_word[word] = pieces_per_word.get(word, 0) + 1
        kept_ids, kept_labels, previous = [], [], None
        for token_id, word in zip(ids, words):
            if word is not None and token_id in boundary and pieces_per_word[word] > 1:
                pieces_per_word[word] -= 1  # the word keeps its remaining pieces
                continue
            if word is None or word == previous:
                kept_labels.append(IGNORE_INDEX)
            else:
                kept_labels.append(label_id.get(tags[word], IGNORE_INDEX))
            kept_ids.append(token_id)
            previous = word
        if len(kept_ids) > max_length:  # keep </s> (or whatever closes the sequence)
            kept_ids = kept_ids[: max_length - 1] + kept_ids[-1:]
            kept_labels = kept_labels[: max_length - 1] + [IGNORE_INDEX]
        out["input_ids"].append(kept_ids)
        out["attention_mask"].append([1] * len(kept_ids))
        out["labels"].append(kept_labels)
    return out


FEATURISERS = {
    Format.CLASSIFICATION: featurise_classification,
    Format.MULTIPLE_CHOICE: featurise_multiple_choice,
    Format.EXTRACTIVE_QA: featurise_extractive_qa,
    Format.TAGGING: featurise_tagging,
}
