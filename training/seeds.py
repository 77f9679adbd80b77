"""Seeds derived from a trial's seed and a *name*, so trials differ only in their mixture.

A source's batch order, a head's initialisation and each target's stage 2 draw
from their own generator, seeded from (seed, name). Two trials with the same seed
and different mixtures therefore see mnli in the same batch order, start their
heads from the same weights and fine-tune each target with the same head, data
order and dropout sequence; only which source feeds each stage-1 step differs.
(Seeding by a source's position among the active sources, as before, gave mnli
a different order in english_only than in uniform.)
"""
from __future__ import annotations

import hashlib


def derived_seed(seed: int, name: str) -> int:
    """A 32-bit seed from sha256 (stable across processes, unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode("utf-8")).digest()[:4], "little")
