"""What one trial runs: built by the sweep from a spec, read by the Train workers.

Plain dataclasses (not the pydantic spec) so ``training`` never imports ``sweep``
and the plan crosses process boundaries as a dict. A sweep builds one plan from
the spec (``sweep.validate.build_plan``); each trial replaces only its mixture,
its seed and the evaluation roles it scores (``dataclasses.replace``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

SEARCH, REPORT = "search", "report"  # evaluation roles (evaluation.targets.registry.EvalSet)


@dataclass(frozen=True)
class TargetPlan:
    name: str
    languages: tuple[str, ...]  # canonical data codes
    split: str | None  # null: the target's own search / report sets; else halves of this split
    eval_cap: int | None  # the first N of each language's search set
    eval_batch_size: int
    report_cap: int | None = None  # the first N of each language's report set; null: eval_cap
    stage2_lr: float | None = None  # null: the plan's stage2_lr


@dataclass(frozen=True)
class TrialPlan:
    model_name_or_path: str
    max_length: int
    num_layers: int | None
    data_root: str
    mixture: dict[str, float]  # source -> weight, sums to 1; empty until a trial sets it
    intermediate_steps: int  # stage 1 (the spec's `intermediate`)
    intermediate_batch_size: int
    intermediate_lr: float
    stage2_steps: int
    stage2_batch_size: int
    stage2_lr: float
    targets: tuple[TargetPlan, ...]
    seed: int
    roles: tuple[str, ...] = (SEARCH,)  # which evaluation sets this run scores
    workers: int = 1
    cpus_per_worker: float = 1
    gpus_per_worker: float = 0
    runner: str = "in_trial"  # "in_trial" | "ray_train" (training.trainer)
    cache_dir: str | None = None
    report_every: int = 10  # steps between loss reports
    sources: tuple[str, ...] = field(default=())  # every source the sweep may draw (leakage guard)
    metric: str = "xtreme_r/score"  # the objective (spec search.metric); reported as <role>/<metric>
    max_failures: int = 0  # Ray Train restarts of a worker group that died (FailureConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> "TrialPlan":
        raw = dict(raw)
        for key in ("steps", "batch_size", "lr"):  # resume state written before the one name
            if f"stage1_{key}" in raw:
                raw[f"intermediate_{key}"] = raw.pop(f"stage1_{key}")
        raw["targets"] = tuple(TargetPlan(**{**t, "languages": tuple(t["languages"])}) for t in raw["targets"])
        raw["roles"] = tuple(raw.get("roles", (SEARCH,)))
        raw["sources"] = tuple(raw.get("sources", ()))
        return cls(**raw)

    def for_run(self, mixture: dict[str, float], seed: int, roles: tuple[str, ...]) -> "TrialPlan":
        return replace(self, mixture=dict(mixture), seed=seed, roles=tuple(roles))
