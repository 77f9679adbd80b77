"""The sweep spec: pydantic models, YAML loading, ``--set`` overrides.

Unknown keys are errors (a misspelt key silently ignored is a lost experiment).
Errors come back as ``XmixError`` with the field path (``search.trials: must be
>= 1``) so the CLI can answer with exit 2 and no traceback.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evaluation.errors import XmixError

BASELINES = ("english_only", "non_english_only", "uniform")
DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelSpec(Strict):
    name_or_path: str = "../shared/models/multilingual-e5-small"
    max_length: int = Field(128, ge=16, le=4096)
    # Keep only the first N encoder layers: 6 of 12 layers train ~2.5x faster on CPU.
    num_layers: int | None = Field(None, ge=1)


class DataSpec(Strict):
    root: str | None = None  # default: $XMIX_DATA, else ../shared/data

    def resolved_root(self) -> Path:
        chosen = self.root or os.environ.get("XMIX_DATA") or str(DEFAULT_DATA_ROOT)
        return Path(chosen).expanduser().resolve()


class IntermediateSpec(Strict):
    sources: list[str] = Field(min_length=1)
    steps: int = Field(200, ge=0)
    batch_size: int = Field(16, ge=1)
    lr: float = Field(2e-5, gt=0)
    # A fixed mixture {source: weight} (xmix train); null means the sweep searches it.
    mixture: dict[str, float] | None = None
    # Zero-shot means no source trains a target's task family in a language the target
    # evaluates (training/zero_shot.py). true studies that setting on purpose; it is
    # tagged on the parent run and stated in the verdict.
    allow_in_language_target_task: bool = False


class Stage2Spec(Strict):
    steps: int = Field(100, ge=0)
    batch_size: int = Field(16, ge=1)
    lr: float = Field(2e-5, gt=0)


class TargetSpec(Strict):
    languages: list[str] = Field(min_length=1)
    # CPU runs cannot afford full eval sets; the cap takes the first N per language.
    eval_cap: int | None = Field(500, ge=1)
    eval_batch_size: int = Field(64, ge=1)
    # This target's stage-2 learning rate; null: stage2.lr. Tasks differ (XTREME tunes each).
    stage2_lr: float | None = Field(None, gt=0)
    # null: the target's own search and report sets (dev / test where both are labelled,
    # else two fixed halves of its one labelled split); a split name: halves of that split.
    split: str | None = None
    # The first N examples of each language's report set (held out from the search,
    # scored by confirmation runs and `xmix train`); null: eval_cap.
    report_cap: int | None = Field(None, ge=1)


class ConfirmSpec(Strict):
    """After the search: the top_k mixtures (by search objective) and the baselines,
    re-run under ``seeds`` fresh seeds and scored on the held-out report split."""

    top_k: int = Field(1, ge=1)
    # Seed variance is the unit of the verdict's test: it needs at least two seeds.
    seeds: int = Field(3, ge=2)


class SearchSpec(Strict):
    trials: int = Field(8, ge=1)
    concurrency: int = Field(2, ge=1)
    sampler: Literal["tpe", "gp", "random"] = "tpe"
    baselines: list[Literal["english_only", "non_english_only", "uniform"]] = list(BASELINES)
    # Maximised; computed on the targets' search split (logged as search/<metric>).
    metric: str = "xtreme_r/score"
    # Each trial runs its mixture under this many seeds; the objective is their mean.
    seeds_per_trial: int = Field(1, ge=1)
    # Optuna's n_startup_trials: proposals drawn at random before TPE / GP model the
    # results (Optuna's default is 10). The baselines count as startup trials.
    startup_trials: int = Field(10, ge=0)
    # Confirmation phase and verdict; null: search only, no verdict.
    confirm: ConfirmSpec | None = None


class ResourcesSpec(Strict):
    workers_per_trial: int = Field(1, ge=1)
    cpus_per_worker: float = Field(1, gt=0)
    gpus_per_worker: float = Field(0, ge=0)
    # Where a trial's loop runs (training/trainer.py). ray_train: a TorchTrainer per trial,
    # N workers with DDP, how trials scale out. in_trial: the same loop in the trial's own
    # Tune actor, reused across trials, so imports and the loaded model are paid once per
    # actor instead of ~20 s per trial on 2 CPUs. auto: in_trial for one worker, else ray_train.
    runner: Literal["auto", "ray_train", "in_trial"] = "auto"

    @field_validator("runner")
    @classmethod
    def _one_worker_in_trial(cls, value: str, info) -> str:
        workers = info.data.get("workers_per_trial", 1)
        if value == "in_trial" and workers > 1:
            raise ValueError(f"in_trial runs one worker, but workers_per_trial is {workers}; "
                             "use ray_train (or auto) for several workers")
        return value

    def resolved_runner(self) -> str:
        if self.runner != "auto":
            return self.runner
        return "in_trial" if self.workers_per_trial == 1 else "ray_train"


class StorageSpec(Strict):
    path: str = "./runs"


class TrackingSpec(Strict):
    uri: str = "sqlite:///mlflow.db"
    experiment: str = "xmix"


class Spec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    seed: int = 0
    model: ModelSpec = ModelSpec()
    data: DataSpec = DataSpec()
    intermediate: IntermediateSpec
    stage2: Stage2Spec = Stage2Spec()
    targets: dict[str, TargetSpec] = Field(min_length=1)
    search: SearchSpec = SearchSpec()
    resources: ResourcesSpec = ResourcesSpec()
    storage: StorageSpec = StorageSpec()
    tracking: TrackingSpec = TrackingSpec()
    # Written by `xmix export`: where this fixed mixture came from. Free-form on purpose.
    provenance: dict[str, Any] | None = None

    @field_validator("intermediate")
    @classmethod
    def _mixture_sums_to_one(cls, value: IntermediateSpec) -> IntermediateSpec:
        if value.mixture is not None:
            total = sum(value.mixture.values())
            if any(w < 0 for w in value.mixture.values()) or abs(total - 1) > 1e-6:
                raise ValueError(f"mixture weights must be >= 0 and sum to 1 (they sum to {total:g})")
        return value

    def tracking_uri(self) -> str:
        """MLflow's own variable wins, as every MLflow user expects."""
        return os.environ.get("MLFLOW_TRACKING_URI") or self.tracking.uri

    def sha256(self) -> str:
        return hashlib.sha256(self.to_yaml().encode()).hexdigest()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _format_error(error: dict) -> str:
    path = ".".join(str(part) for part in error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required"
    message = message.removeprefix("Value error, ")
    for prefix, replacement in (("Input should be greater than or equal to", "must be >="),
                                ("Input should be greater than", "must be >"),
                                ("Input should be less than or equal to", "must be <=")):
        message = message.replace(prefix, replacement)
    return f"{path}: {message}" if path else message


def parse_value(text: str) -> Any:
    """``--set a.b=v``: v is read as YAML, so numbers, lists and null work."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or not key:
            raise XmixError(f"--set {override!r}: expected KEY=VALUE, e.g. search.trials=4")
        node = raw
        parts = key.split(".")
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise XmixError(f"--set {key}: {'.'.join(parts[:depth + 1])} is not a mapping")
            node = child
        node[parts[-1]] = parse_value(value)
    return raw


def spec_from_dict(raw: Any, origin: str) -> Spec:
    if not isinstance(raw, dict):
        raise XmixError(f"{origin}: a spec is a YAML mapping, got {type(raw).__name__}")
    try:
        return Spec.model_validate(raw)
    except ValidationError as error:
        lines = [_format_error(e) for e in error.errors()]
        raise XmixError(f"{origin}: invalid spec\n  " + "\n  ".join(lines)) from None


def load_spec(path: str | Path, overrides: list[str] | None = None) -> Spec:
    path = Path(path)
    if not path.is_file():
        raise XmixError(f"{path}: spec file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise XmixError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    raw = apply_overrides(raw if isinstance(raw, dict) else raw, list(overrides or []))
    return spec_from_dict(raw, str(path))
