"""What every benchmark shares: paths, environment, the shared model, step clocks, results.

Timing is per step (a mark at the start of every step and one after the last), so
a benchmark can drop warm-up steps and compare the same steps on both sides.
"""
from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Resolved: the tokenised-data cache keys on the tokenizer's path, and training.model resolves it too.
MODEL_PATH = (PROJECT_ROOT.parent / "shared" / "models" / "multilingual-e5-small").resolve()

# The demo's budget for 2 CPU cores (configs/demo.yaml): every CPU figure uses it,
# so the numbers describe the trials a sweep actually runs.
NUM_LAYERS, MAX_LENGTH, BATCH_SIZE, LR = 4, 64, 16, 5e-5


def prepare_environment() -> None:
    """Offline model loading, quiet tokenizers, and an importable ``benchmarks`` in Ray workers.

    Ray starts workers from the raylet, which inherits this process's environment:
    PYTHONPATH is how a worker finds ``benchmarks.train_loop`` (the editable
    install only maps sweep, training and evaluation).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(PROJECT_ROOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *paths])


def data_root() -> Path:
    from sweep.spec import DataSpec

    return DataSpec().resolved_root()


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict[str, Any]:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "gpu": gpu,
            # A busy machine skews every ratio: record how busy it was when the run began.
            "load_average_1m": round(os.getloadavg()[0], 2)}


class StepClock:
    """Marks the start of each step; ``stop`` marks the end of the last one."""

    def __init__(self) -> None:
        self.marks: list[float] = []

    def mark(self) -> None:
        self.marks.append(time.perf_counter())

    def stop(self) -> None:
        self.mark()

    def step_times(self) -> list[float]:
        return [b - a for a, b in zip(self.marks, self.marks[1:])]


def after_warmup(values: list[float], warmup: int) -> list[float]:
    """Drops the first ``warmup`` steps (allocator, thread pools, lazy inits), keeps at least one."""
    return values[min(warmup, max(0, len(values) - 1)):]


@dataclass
class Figure:
    """One row of the results table and one key of the JSON."""

    value: Any = None
    goal: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def skipped(goal: str, note: str) -> Figure:
    return Figure(goal=goal, note=note)


def load_encoder_model(num_layers: int, labels: tuple[str, ...], seed: int, head_name: str | None = None):
    """(tokenizer, MultiHeadModel, head name) with one classification head over ``labels``.

    The head is keyed as stage 1 keys it (``training.model.head_key``, one head per label
    space) unless ``head_name`` is given (stage 2 calls its head "target"). The seed fixes
    the head's init, so both sides of a comparison start from the same weights.
    """
    import torch

    from evaluation.examples import Format
    from training.model import MultiHeadModel, head_key, load_encoder, make_head

    tokenizer, encoder = load_encoder(str(MODEL_PATH), num_layers)
    name = head_name or head_key(Format.CLASSIFICATION, tuple(labels))
    torch.manual_seed(seed)
    head = make_head(Format.CLASSIFICATION, encoder.config.hidden_size, len(labels))
    return tokenizer, MultiHeadModel(encoder, {name: head}), name


def load_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(MODEL_PATH))


def cache_dir(root: Path | None) -> Path:
    """Tokenised data for figures that do not time tokenisation: the project's own cache
    is keyed by content, so reusing it is safe and saves minutes per run."""
    from training.cache import default_cache_dir

    return Path(root) if root else default_cache_dir()


def mnli_stage2(tokenizer, max_length: int, cache: Path):
    """(features, format, labels) of XNLI's stage-2 data (MNLI train), tokenised through the cache."""
    import evaluation.targets  # noqa: F401  (registration)
    from evaluation.targets import TARGETS
    from training.cache import tokenised

    target = TARGETS.get("xnli")
    features = tokenised(target.stage2.read(data_root()), target.format, tokenizer, max_length, target.labels, cache)
    return features, target.format, target.labels
