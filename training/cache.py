"""Tokenised data, cached on disk by content.

The key hashes the examples themselves (not file names or dates), the tokenizer,
the maximum length, the format and the label list, so a second trial, or a second
sweep over the same sources, loads features instead of tokenising again; any edit
to the data or the tokenizer makes a new key. Writes go to a temporary folder that
is renamed into place, so concurrent trials never read a half-written entry.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from datasets import Dataset, load_from_disk

from evaluation.examples import Example, Format
from training.features import FEATURISERS, example_rows

FEATURE_VERSION = "2"  # bump when a featuriser changes what it writes


def default_cache_dir() -> Path:
    return Path(os.environ.get("XMIX_CACHE", Path.home() / ".cache" / "xmix")) / "tokenised"


def cache_key(examples: Sequence[Example], fmt: Format, tokenizer, max_length: int,
              labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for part in (FEATURE_VERSION, fmt.value, tokenizer.name_or_path, str(len(tokenizer)),
                 str(max_length), "\x1f".join(labels)):
        digest.update(part.encode())
        digest.update(b"\x00")
    for example in examples:
        digest.update(repr(example).encode())
    return digest.hexdigest()[:32]


def tokenised(examples: Sequence[Example], fmt: Format, tokenizer, max_length: int,
              labels: Sequence[str] = (), cache_dir: Path | None = None) -> Dataset:
    cache_dir = Path(cache_dir or default_cache_dir())
    entry = cache_dir / cache_key(examples, fmt, tokenizer, max_length, labels)
    if entry.is_dir():
        return load_from_disk(str(entry))
    rows = example_rows(examples)
    dataset = Dataset.from_list(rows)
    features = dataset.map(
        FEATURISERS[fmt], batched=True, remove_columns=dataset.column_names,
        fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "labels": tuple(labels)},
        load_from_cache_file=False, desc=None,
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".staging-"))
    features.save_to_disk(str(staging))
    try:
        staging.rename(entry)
    except OSError:  # another trial wrote the same entry first: theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
    return load_from_disk(str(entry))
