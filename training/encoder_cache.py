"""The loaded encoder, kept between trials that run in the same process.

A trial that runs in its (reused) Tune actor would otherwise read and build the
model every time: 2-2.5 s on 2 CPU cores for multilingual-e5-small, paid once per
trial. The cache keeps one pristine copy per (model, layers) and hands out deep
copies, so a trial can never see weights another trial trained.
"""
from __future__ import annotations

import copy
from typing import Callable

from training.model import load_encoder

Loader = Callable[[str, "int | None"], tuple]


class EncoderCache:
    """Process-wide, one entry: a sweep trains one model, and a second would double the memory."""

    def __init__(self, load: Loader = load_encoder) -> None:
        self._load = load
        self._key: tuple[str, int | None] | None = None
        self._entry: tuple | None = None
        self.loads = 0  # how many times the model was actually read (tests, benchmarks)

    def __call__(self, name_or_path: str, num_layers: int | None):
        key = (name_or_path, num_layers)
        if key != self._key:
            self._entry, self._key = None, None  # free the old model before reading the new one
            self._entry, self._key = self._load(name_or_path, num_layers), key
            self.loads += 1
        tokenizer, encoder = self._entry
        return tokenizer, copy.deepcopy(encoder)


PROCESS_ENCODERS = EncoderCache()
