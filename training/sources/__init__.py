"""Importing this package registers every stage-1 source (one module per family)."""
from training.sources.registry import SOURCES, Source, register, register_source

# Imported for their side effect: each module registers its family's sources.
from training.sources import multiple_choice, nli, paraphrase, qa, sentiment, tagging  # noqa: E402,F401

__all__ = ["SOURCES", "Source", "register", "register_source"]
