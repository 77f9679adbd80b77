"""The sweep spec: pydantic models, YAML loading, ``--set`` overrides.

Unknown keys are errors (a misspelt key silently ignored is a lost experiment).
Errors come back as ``XmixError`` with the field path (``search.trials: must be
>= 1``) so the CLI can answer with exit 2 and no traceback.
"""
from __future__ import annotations

import hashlib
import math
import os
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from evaluation.errors import XmixError
from sweep.spec_yaml import SpecLimitError, describe_yaml_error, load_yaml, read_spec_text

BASELINES = ("english_only", "non_english_only", "uniform")
DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# Upper bounds: far above any real run, low enough that a typo (an extra 0 or three)
# is refused before it books a cluster for a year.
MAX_STEPS = 10_000_000
MAX_BATCH = 65_536
MAX_EXAMPLES = 100_000_000
MAX_LR = 10.0
MAX_TEXT = 4096


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


# Empty strings are never meant: "" as a path is the current folder, as a metric nothing.
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_not_blank)]


class Strict(BaseModel):
    # strict: true is not 1, 5.0 is not 5 and "8" is not 8; allow_inf_nan: .inf is no setting.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False)


class ModelSpec(Strict):
    name_or_path: Text = "../shared/models/multilingual-e5-small"
    max_length: int = Field(128, ge=16, le=4096)
    # Keep only the first N encoder layers: 6 of 12 layers train ~2.5x faster on CPU.
    num_layers: int | None = Field(None, ge=1, le=1000)


class DataSpec(Strict):
    root: Text | None = None  # default: $XMIX_DATA, else ../shared/data
    # Where sources and targets are read from: the local layout under ``root``, or the
    # Hugging Face hub (evaluation/hub), written once into the local layout under ``cache``.
    source: Literal["local", "hub"] = "local"
    # Per source / target name: {"mnli": "local", "xnli": "hub"}.
    overrides: dict[Text, Literal["local", "hub"]] = {}
    revisions: dict[Text, Text] = {}  # hub id -> commit (or tag/branch, resolved and logged)
    # A folder of datasets in the hub's repository layout, read instead of the hub.
    hub_mirror: Text | None = None
    cache: Text | None = None  # default: $XMIX_DATA_CACHE, else ~/.cache/xmix/data

    def resolved_root(self) -> Path:
        chosen = self.root or os.environ.get("XMIX_DATA") or str(DEFAULT_DATA_ROOT)
        return Path(chosen).expanduser().resolve()


class IntermediateSpec(Strict):
    sources: list[Text] = Field(min_length=1, max_length=1000)
    steps: int = Field(200, ge=0, le=MAX_STEPS)
    batch_size: int = Field(16, ge=1, le=MAX_BATCH)
    lr: float = Field(2e-5, gt=0, le=MAX_LR)
    # A fixed mixture {source: weight} (xmix train); null means the sweep searches it.
    mixture: dict[Text, Annotated[float, Field(ge=0)]] | None = None
    # Zero-shot means no source trains a target's task family in a language the target
    # evaluates (training/zero_shot.py). true studies that setting on purpose; it is
    # tagged on the parent run and stated in the verdict.
    allow_in_language_target_task: bool = False

    @field_validator("mixture")
    @classmethod
    def _sums_to_one(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            total = math.fsum(value.values())
            if abs(total - 1) > 1e-6:
                raise ValueError(f"weights must be >= 0 and sum to 1 (they sum to {total:g})")
        return value


class Stage2Spec(Strict):
    steps: int = Field(100, ge=0, le=MAX_STEPS)
    batch_size: int = Field(16, ge=1, le=MAX_BATCH)
    lr: float = Field(2e-5, gt=0, le=MAX_LR)


class TargetSpec(Strict):
    languages: list[Text] = Field(min_length=1, max_length=1000)
    # CPU runs cannot afford full eval sets; the cap takes the first N per language.
    eval_cap: int | None = Field(500, ge=1, le=MAX_EXAMPLES)
    eval_batch_size: int = Field(64, ge=1, le=MAX_BATCH)
    # This target's stage-2 learning rate; null: stage2.lr. Tasks differ (XTREME tunes each).
    stage2_lr: float | None = Field(None, gt=0, le=MAX_LR)
    # null: the target's own search and report sets (dev / test where both are labelled,
    # else two fixed halves of its one labelled split); a split name: halves of that split.
    split: Text | None = None
    # The first N examples of each language's report set (held out from the search,
    # scored by confirmation runs and `xmix train`); null: eval_cap.
    report_cap: int | None = Field(None, ge=1, le=MAX_EXAMPLES)


class ConfirmSpec(Strict):
    """After the search: the top_k mixtures (by search objective) and the baselines,
    re-run under ``seeds`` fresh seeds and scored on the held-out report split."""

    top_k: int = Field(1, ge=1, le=1000)
    # Seed variance is the unit of the verdict's test: it needs at least two seeds.
    seeds: int = Field(3, ge=2, le=1000)


class SearchSpec(Strict):
    trials: int = Field(8, ge=1, le=100_000)
    concurrency: int = Field(2, ge=1, le=10_000)
    sampler: Literal["tpe", "gp", "random"] = "tpe"
    baselines: list[Literal["english_only", "non_english_only", "uniform"]] = list(BASELINES)
    # Maximised; computed on the targets' search split (logged as search/<metric>).
    # Which names exist depends on the targets: sweep.validate checks it.
    metric: Text = "xtreme_r/score"
    # Each trial runs its mixture under this many seeds; the objective is their mean.
    # (< 1000 so the confirmation seeds, seed + 1000 + j, stay fresh.)
    seeds_per_trial: int = Field(1, ge=1, le=999)
    # Optuna's n_startup_trials: proposals drawn at random before TPE / GP model the
    # results (Optuna's default is 10). The baselines count as startup trials.
    startup_trials: int = Field(10, ge=0, le=100_000)
    # Confirmation phase and verdict; null: search only, no verdict.
    confirm: ConfirmSpec | None = None

    @field_validator("baselines")
    @classmethod
    def _each_baseline_once(cls, value: list[str]) -> list[str]:
        twice = sorted({b for b in value if value.count(b) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed twice (each baseline runs once)")
        return value


class ResourcesSpec(Strict):
    workers_per_trial: int = Field(1, ge=1, le=10_000)
    cpus_per_worker: float = Field(1, gt=0, le=10_000)
    gpus_per_worker: float = Field(0, ge=0, le=64)
    # Where a trial's loop runs (training/trainer.py). ray_train: a TorchTrainer per trial,
    # N workers with DDP, how trials scale out. in_trial: the same loop in the trial's own
    # Tune actor, reused across trials, so imports and the loaded model are paid once per
    # actor instead of ~20 s per trial on 2 CPUs. auto: in_trial for one worker, else ray_train.
    runner: Literal["auto", "ray_train", "in_trial"] = "auto"
    # Retries of a trial whose worker or actor died (Ray's FailureConfig, in Tune and in
    # Train); the retry keeps the trial's MLflow child run. null: 2 on a cluster
    # (RAY_ADDRESS set: preemptible nodes), 1 on this machine, where a stray kill or a
    # passing memory squeeze is worth one more try but a failure that repeats (a bug, a
    # batch that never fits) should not cost a trial three times; `xmix sweep resume`
    # re-runs failed trials anyway.
    max_failures: int | None = Field(None, ge=0, le=100)

    def resolved_max_failures(self) -> int:
        if self.max_failures is not None:
            return self.max_failures
        return 2 if os.environ.get("RAY_ADDRESS") else 1

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
    path: Text = "./runs"


class TrackingSpec(Strict):
    uri: Text = "sqlite:///mlflow.db"
    experiment: Text = "xmix"


class Spec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    # numpy seeds must fit 32 bits; confirmation adds 1000 + j.
    seed: int = Field(0, ge=0, le=2**31 - 1)
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

    @field_validator("provenance")
    @classmethod
    def _finite_numbers(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        bad = _first_non_finite(value)
        if bad is not None:
            raise ValueError(f"{bad}: must be a finite number")
        return value

    def tracking_uri(self) -> str:
        """MLflow's own variable wins, as every MLflow user expects."""
        return os.environ.get("MLFLOW_TRACKING_URI") or self.tracking.uri

    def sha256(self) -> str:
        return hashlib.sha256(self.to_yaml().encode()).hexdigest()

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _first_non_finite(value: Any, path: str = "") -> str | None:
    """The dotted path of the first inf / nan inside ``value``: JSON, MLflow and YAML dumps choke on them."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found = _first_non_finite(child, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}".lstrip("."))
        if found is not None:
            return found
    return None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The spec model whose field ``loc`` names (dict keys and list indexes are stepped over)."""
    current: Any = Spec
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """X | None -> X; Annotated[X, ...] -> X."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _unwrap(args[0])
    return annotation


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_message(kind: str, value: Any) -> str:
    hint = " (quote it: YAML reads yes/no/on/off as true/false)" if isinstance(value, bool) and kind == "a string" \
        else ""
    return f"must be {kind}, got {_shown(value)}{hint}"


_TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
               "list": "a list", "dict": "a mapping", "model": "a mapping", "model_attributes": "a mapping"}
# Pydantic error type -> message, filled from the error's ctx and {shown} (the input, shortened).
_MESSAGES = {
    "greater_than_equal": "must be >= {ge}, got {shown}", "greater_than": "must be > {gt}, got {shown}",
    "less_than_equal": "must be <= {le}, got {shown}", "less_than": "must be < {lt}, got {shown}",
    "literal_error": "must be one of {expected}, got {shown}",
    "finite_number": "must be a finite number, got {shown}",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "string_pattern_mismatch": "must match {pattern}, got {shown}",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
}


def _reason(error: dict) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        model = _model_at(tuple(error["loc"][:-1]))
        allowed = f" (allowed: {', '.join(model.model_fields)})" if model else ""
        return f"unknown key{allowed}"
    if kind in _MESSAGES:
        return _MESSAGES[kind].format_map({**ctx, "shown": _shown(value)})
    if kind.endswith(("_type", "_parsing")) and kind.rsplit("_", 1)[0] in _TYPE_NAMES:
        return _type_message(_TYPE_NAMES[kind.rsplit("_", 1)[0]], value)
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    return error["msg"]


def _format_error(error: dict) -> str:
    path = ".".join(str(part) for part in error["loc"])
    message = _reason(error)
    return f"{path}: {message}" if path else message


def parse_value(text: str) -> Any:
    """``--set a.b=v``: v is read as YAML, so numbers, lists and null work; what YAML
    cannot read is taken as a string, but not what breaks a spec's limits."""
    try:
        return load_yaml(text)
    except SpecLimitError:
        raise
    except yaml.YAMLError:
        return text


def _override_parts(key: str, override: str) -> list[str]:
    parts = key.split(".")
    empty = [index for index, part in enumerate(parts) if not part.strip()]
    if empty:
        raise XmixError(f"--set {override!r}: key {key!r} has an empty part (#{empty[0] + 1}); "
                        "a key is dotted field names, e.g. search.trials")
    return parts


def _set_one(raw: dict, override: str) -> None:
    key, sep, value = override.partition("=")
    if not sep or not key:
        raise XmixError(f"--set {override!r}: expected KEY=VALUE, e.g. search.trials=4")
    parts = _override_parts(key, override)
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise XmixError(f"--set {key}: {'.'.join(parts[:depth + 1])} is not a mapping")
        node = child
    try:
        node[parts[-1]] = parse_value(value)
    except SpecLimitError as error:
        raise XmixError(f"--set {key}: {error.problem}") from None


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    if overrides and not isinstance(raw, dict):
        raise XmixError(f"--set: a spec is a YAML mapping (key: value lines), got {_kind(raw)}")
    for override in overrides:
        _set_one(raw, override)
    return raw


def _kind(raw: Any) -> str:
    return "an empty file" if raw is None else f"a {type(raw).__name__}"


def spec_from_dict(raw: Any, origin: str) -> Spec:
    if not isinstance(raw, dict):
        raise XmixError(f"{origin}: a spec is a YAML mapping (key: value lines), got {_kind(raw)}")
    try:
        return Spec.model_validate(raw)
    except ValidationError as error:
        lines = [_format_error(e) for e in error.errors()]
        raise XmixError(f"{origin}: invalid spec\n  " + "\n  ".join(lines)) from None


def _parse_file(path: Path) -> Any:
    text = read_spec_text(path)
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        line, reason = describe_yaml_error(error, text)
        where = f":{line}" if line else ""
        if isinstance(error, SpecLimitError):
            raise XmixError(f"{path}{where}: {reason}") from None
        raise XmixError(f"{path}{where}: not valid YAML ({reason})") from None


def load_spec(path: str | Path, overrides: list[str] | None = None) -> Spec:
    path = Path(path)
    if not path.is_file():
        raise XmixError(f"{path}: spec file not found")
    raw = _parse_file(path)
    if not isinstance(raw, dict):
        raise XmixError(f"{path}: a spec is a YAML mapping (key: value lines), got {_kind(raw)}")
    return spec_from_dict(apply_overrides(raw, list(overrides or [])), str(path))
