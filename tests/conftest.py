"""Shared test paths: the project root and the real data beside it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("XMIX_DATA", PROJECT_ROOT.parent / "shared" / "data"))
MODEL_PATH = PROJECT_ROOT.parent / "shared" / "models" / "multilingual-e5-small"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def data_root() -> Path:
    return DATA_ROOT


@pytest.fixture(scope="session")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(MODEL_PATH))
