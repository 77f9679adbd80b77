"""Checks a parsed spec against the registries and the data root; builds the plan.

Pydantic checks shapes; this checks meaning: every source and target exists,
every language is available for its split, every file is on disk, the baselines
make sense for the chosen sources. Errors name the spec field.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import training.sources  # noqa: F401  (registration)
import evaluation.targets  # noqa: F401  (registration)
from evaluation.errors import XmixError
from evaluation.scores import QA_METRICS, TASK_GROUPS, TASK_METRIC, mlflow_name
from evaluation.targets import TARGETS
from sweep.search_space import Groups, baseline_points
from sweep.remote_checks import is_local_path, tracking_is_local
from sweep.spec import Spec
from training.plan import TargetPlan, TrialPlan
from training.sources import SOURCES
from training.zero_shot import check_zero_shot


def _field_error(field: str, message: str) -> XmixError:
    return XmixError(f"{field}: {message}")


def _check_files(field: str, root: Path, files) -> None:
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        raise _field_error(field, f"missing data file(s) under {root}: {', '.join(missing)}")


def _check_sources(spec: Spec, root: Path) -> None:
    seen = set()
    for index, name in enumerate(spec.intermediate.sources):
        field = f"intermediate.sources[{index}]"
        if name not in SOURCES:
            raise _field_error(field, f"unknown source {name!r} (known: {', '.join(SOURCES.names())})")
        if name in seen:
            raise _field_error(field, f"source {name!r} listed twice")
        seen.add(name)
        _check_files(field, root, SOURCES.get(name).files)
    for name in spec.intermediate.mixture or {}:
        if name not in seen:
            raise _field_error(f"intermediate.mixture.{name}", "not in intermediate.sources")


def _target_plans(spec: Spec, root: Path) -> tuple[TargetPlan, ...]:
    plans = []
    for name, target_spec in spec.targets.items():
        field = f"targets.{name}"
        if name not in TARGETS:
            raise _field_error(field, f"unknown target {name!r} (known: {', '.join(TARGETS.names())})")
        target = TARGETS.get(name)
        if target_spec.split is not None and target_spec.split not in target.splits:
            raise _field_error(f"{field}.split", f"{target_spec.split!r} not available "
                               f"(allowed: {', '.join(target.splits)})")
        # Both roles' splits must hold every language: the report set is scored after the search.
        splits = sorted({s.split for s in target.eval_sets(target_spec.split).values()})
        available = set.intersection(*(set(target.available_languages(root, split)) for split in splits))
        languages = []
        for index, language in enumerate(target_spec.languages):
            canonical = target.canonical_language(language)
            if canonical not in available:
                raise _field_error(f"{field}.languages[{index}]",
                                   f"{name} has no {' and '.join(splits)} data for {language!r} under {root} "
                                   f"(available: {', '.join(sorted(available)) or 'none'})")
            if canonical in languages:
                first = target_spec.languages[languages.index(canonical)]
                raise _field_error(f"{field}.languages[{index}]", f"{language!r} is listed twice (as {first!r}; "
                                   f"both are {canonical}): each language is evaluated once")
            languages.append(canonical)
        if target.stage2 is not None:
            _check_files(f"{field} (stage 2)", root, target.stage2.files)
        plans.append(TargetPlan(name, tuple(languages), target_spec.split, target_spec.eval_cap,
                                target_spec.eval_batch_size, target_spec.report_cap, target_spec.stage2_lr))
    return tuple(plans)


def _check_model(spec: Spec) -> None:
    name = spec.model.name_or_path
    looks_local = name.startswith((".", "/", "~")) or Path(name).exists()
    config = Path(name).expanduser() / "config.json"
    if looks_local and not config.is_file():
        raise _field_error("model.name_or_path", f"{name!r}: no model folder with config.json there "
                           "(give a local folder or a Hugging Face hub id such as xlm-roberta-large)")
    if looks_local and spec.model.num_layers is not None:
        _check_num_layers(spec.model.num_layers, config)


def _check_num_layers(wanted: int, config: Path) -> None:
    try:
        layers = json.loads(config.read_text(encoding="utf-8")).get("num_hidden_layers")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as error:
        raise _field_error("model.name_or_path", f"{config}: not a readable model config ({error})") from None
    if isinstance(layers, int) and wanted > layers:
        raise _field_error("model.num_layers", f"must be <= {layers} (the model's num_hidden_layers in {config}) "
                           f"or null, got {wanted}")


def search_metrics(targets) -> list[str]:
    """What a search trial reports, without its ``search/`` prefix (training.loop.final_metrics)."""
    names = ["xtreme_r/score"] + [f"xtreme_r/{t.name}" for t in targets]
    names += [f"xtreme_r/group/{group}" for group, members in TASK_GROUPS.items()
              if any(t.name in members for t in targets)]
    for target in targets:
        per_language = QA_METRICS if TASK_METRIC.get(target.name) == "em_f1_mean" else (TASK_METRIC.get(target.name),)
        names += [f"{target.name}/{mlflow_name(language)}/{mlflow_name(metric)}"
                  for language in target.languages for metric in per_language if metric]
    return names


def _check_metric(spec: Spec, targets) -> None:
    allowed = search_metrics(targets)
    if spec.search.metric not in allowed:
        shown = ", ".join(allowed[:12]) + (f", ... ({len(allowed)} in all)" if len(allowed) > 12 else "")
        raise _field_error("search.metric", f"{spec.search.metric!r} is not a metric a trial reports for these "
                           f"targets (allowed: {shown})")


# MLflow's tracking stores (mlflow.set_tracking_uri): a local path or file:, a database
# <dialect>[+driver]://, an HTTP(S) tracking server, a Databricks workspace.
TRACKING_SCHEMES = ("", "file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks")
TRACKING_HELP = ("sqlite:///PATH.db, http(s)://HOST:PORT, postgresql|mysql|mssql[+driver]://..., "
                 "databricks[://PROFILE], file:PATH or a plain folder path")


def _tracking_field() -> str:
    return "MLFLOW_TRACKING_URI" if os.environ.get("MLFLOW_TRACKING_URI") else "tracking.uri"


def check_tracking_uri(uri: str) -> None:
    scheme = urlparse(uri).scheme.lower()
    scheme = "" if len(scheme) == 1 else scheme.split("+")[0]  # C:\... is a path; mysql+pymysql is mysql
    if scheme not in TRACKING_SCHEMES:
        raise _field_error(_tracking_field(), f"{uri!r}: unknown scheme {scheme + '://'!r} (allowed: {TRACKING_HELP})")
    if scheme in ("http", "https") and not urlparse(uri).hostname:
        raise _field_error(_tracking_field(), f"{uri!r}: no host (e.g. http://127.0.0.1:5000)")


def _check_sqlite_folder(uri: str) -> None:
    if not uri.lower().startswith("sqlite:"):
        return
    location = uri.split("?", 1)[0][len("sqlite:///"):] if uri.lower().startswith("sqlite:///") else ""
    if location in ("", ":memory:"):
        raise _field_error(_tracking_field(), f"{uri!r}: names no database file (runs would vanish with the "
                           "process); use sqlite:///PATH.db, e.g. sqlite:///mlflow.db")
    database = Path(location).expanduser()
    folder = database.parent
    if not folder.is_dir():
        raise _field_error(_tracking_field(), f"{uri!r}: folder {folder.resolve()} does not exist (create it first)")
    if database.exists() and not database.is_file():
        raise _field_error(_tracking_field(), f"{uri!r}: {database} is not a file")
    problem = _unwritable(folder)
    if problem:
        raise _field_error(_tracking_field(), f"{uri!r}: cannot write in {folder.resolve()} ({problem})")


def _unwritable(folder: Path) -> str | None:
    """Why nothing can be created in ``folder``, or None. A probe, not os.access: root passes
    os.access on read-only mounts such as /proc and /sys."""
    try:
        shutil.rmtree(tempfile.mkdtemp(prefix=".xmix-write-check-", dir=folder))
    except OSError as error:
        return error.strerror or str(error)
    return None


def _check_storage(path: str) -> None:
    if "://" in path:
        return
    wanted = Path(path).expanduser().absolute()
    existing = next(p for p in (wanted, *wanted.parents) if p.exists())
    if not existing.is_dir():
        raise _field_error("storage.path", f"{path!r}: {existing} is a file, not a folder")
    problem = _unwritable(existing)
    if problem:
        raise _field_error("storage.path", f"{path!r}: cannot create folders in {existing} ({problem})")


def runs_here(spec: Spec) -> bool:
    """Whether this machine runs the trials. A spec with a local-only store (SQLite, ./runs)
    can run nowhere else (remote_checks refuses it for a cluster); one with an MLflow server
    and shared storage may be meant for a cluster, whose resources are its own business."""
    if os.environ.get("RAY_ADDRESS"):
        return False
    return tracking_is_local(spec.tracking_uri()) or is_local_path(spec.storage.path)


def _cuda_devices() -> int:
    # Without an NVIDIA driver there is no CUDA device: answer without the seconds torch takes to import.
    if not (Path("/proc/driver/nvidia").exists() or Path("/dev/nvidia0").exists()):
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def check_local_resources(spec: Spec) -> None:
    resources = spec.resources
    cpus, have_cpus = resources.cpus_per_worker * resources.workers_per_trial, os.cpu_count() or 1
    if cpus > have_cpus:
        raise _field_error("resources.cpus_per_worker", f"{resources.cpus_per_worker:g} CPUs x "
                           f"{resources.workers_per_trial} workers_per_trial = {cpus:g}, but this machine has "
                           f"{have_cpus} (must be <= {have_cpus}; a cluster run: set RAY_ADDRESS)")
    gpus = resources.gpus_per_worker * resources.workers_per_trial
    if gpus > 0:
        have_gpus = _cuda_devices()
        if gpus > have_gpus:
            raise _field_error("resources.gpus_per_worker", f"{gpus:g} GPU(s) per trial requested, but this "
                               f"machine has {have_gpus} CUDA device(s) (use 0 here; a cluster run: set RAY_ADDRESS)")


def check_machine(spec: Spec) -> None:
    """What this machine must provide when it runs the sweep: CPUs, GPUs, writable folders."""
    check_local_resources(spec)
    _check_storage(spec.storage.path)
    _check_sqlite_folder(spec.tracking_uri())


def check_search(spec: Spec) -> Groups:
    groups = Groups.of(spec.intermediate.sources)
    baseline_points(groups, spec.search.baselines)  # raises when a baseline cannot exist
    if spec.intermediate.mixture is None and spec.search.trials < len(spec.search.baselines):
        raise _field_error("search.trials", f"must be >= the number of baselines ({len(spec.search.baselines)}), "
                           f"got {spec.search.trials}")
    return groups


def build_plan(spec: Spec, *, local: bool | None = None) -> TrialPlan:
    """Validates ``spec`` (files, registries, zero-shot, metric, confirmation, tracking) and
    returns the one plan a sweep's runs share; each run sets its mixture, seed and roles
    (``TrialPlan.for_run``). ``local``: whether this machine runs the trials, so must have
    their CPUs, GPUs and writable folders; None: ``runs_here(spec)``."""
    from sweep.confirm import check_confirm  # imports MLflow: only once a spec has parsed
    from sweep.data_source import resolve_data_root

    local_root = spec.data.resolved_root()
    if not local_root.is_dir() and spec.data.source == "local":
        raise _field_error("data.root", f"{local_root} is not a folder (set data.root or XMIX_DATA)")
    check_tracking_uri(spec.tracking_uri())
    root = resolve_data_root(spec)  # from the hub, written once into the local layout, when asked
    _check_model(spec)
    _check_sources(spec, root)
    targets = _target_plans(spec, root)
    _check_metric(spec, targets)
    check_zero_shot(spec.intermediate.sources, [(t.name, t.languages) for t in targets],
                    allow=spec.intermediate.allow_in_language_target_task)
    groups = check_search(spec)
    check_confirm(spec, groups)
    if runs_here(spec) if local is None else local:
        check_machine(spec)
    model_path = spec.model.name_or_path
    if Path(model_path).expanduser().exists():
        model_path = str(Path(model_path).expanduser().resolve())
    resources = spec.resources
    return TrialPlan(
        model_name_or_path=model_path, max_length=spec.model.max_length, num_layers=spec.model.num_layers,
        data_root=str(root), mixture=dict(spec.intermediate.mixture or {}),
        intermediate_steps=spec.intermediate.steps, intermediate_batch_size=spec.intermediate.batch_size,
        intermediate_lr=spec.intermediate.lr, stage2_steps=spec.stage2.steps, stage2_batch_size=spec.stage2.batch_size,
        stage2_lr=spec.stage2.lr, targets=targets, seed=spec.seed, workers=resources.workers_per_trial,
        cpus_per_worker=resources.cpus_per_worker, gpus_per_worker=resources.gpus_per_worker,
        runner=resources.resolved_runner(), sources=tuple(spec.intermediate.sources),
        metric=spec.search.metric, max_failures=resources.resolved_max_failures(),
    )
