"""What one trial runs: built by the sweep from a spec, read by the Train workers.

Plain dataclasses (not the pydantic spec) so ``training`` never imports ``sweep``
and the plan crosses process boundaries as a dict.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TargetPlan:
    name: str
    languages: tuple[str, ...]  # canonical data codes
    split: str
    eval_cap: int | None
    eval_batch_size: int


@dataclass(frozen=True)
class TrialPlan:
    model_name_or_path: str
    max_length: int
    num_layers: int | None
    data_root: str
    mixture: dict[str, float]  # source -> weight, sums to 1
    stage1_steps: int
    stage1_batch_size: int
    stage1_lr: float
    stage2_steps: int
    stage2_batch_size: int
    stage2_lr: float
    targets: tuple[TargetPlan, ...]
    seed: int
    cpus_per_worker: float = 1
    cache_dir: str | None = None
    report_every: int = 10  # stage-1 steps between train/loss reports

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> "TrialPlan":
        raw = dict(raw)
        raw["targets"] = tuple(TargetPlan(**{**t, "languages": tuple(t["languages"])}) for t in raw["targets"])
        return cls(**raw)

    def with_mixture(self, mixture: dict[str, float]) -> "TrialPlan":
        return TrialPlan.from_dict({**self.to_dict(), "mixture": dict(mixture)})
