"""The data root a sweep reads: the local layout as it is, or one written from the
Hugging Face hub (``data.source: hub``, per-name ``data.overrides``) into the local
layout, so that every reader, the leakage guard and the lineage work the same on both.

A hub root is cached under ``data.cache`` by what it holds (the files' bindings, the
pinned revisions, the mirror, the folders taken from the local root): the first sweep
writes it, later ones and every trial read it. On a cluster the cache must be on the
shared volume, like ``storage.path``.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from evaluation.errors import XmixError

DEFAULT_CACHE = Path("~/.cache/xmix/data")


def folders_of_source(name: str) -> set[str]:
    import training.sources  # noqa: F401  (registration)
    from training.sources import SOURCES

    if name not in SOURCES:
        return set()  # sweep.validate names the field
    return {path.split("/")[0] for path in SOURCES.get(name).files}


def folders_of_target(name: str) -> set[str]:
    """Every folder the target reads, whichever split and language: MLQA's halves depend
    on all of its files, and the stage-2 training data lives in another task's folder."""
    from evaluation.targets import TARGETS

    if name not in TARGETS:
        return set()
    target = TARGETS.get(name)
    patterns = [*target.file_patterns, *(p for ps in target.split_file_patterns.values() for p in ps),
                *(target.stage2.files if target.stage2 else ())]
    return {pattern.split("/")[0] for pattern in patterns}


def folder_origins(source: str, overrides: dict[str, str], sources, targets) -> dict[str, tuple[str, list[str]]]:
    """{folder: (local|hub, [names that read it])}; two names that read one folder from
    two places is bad input."""
    origins: dict[str, tuple[str, list[str]]] = {}
    users = [(n, folders_of_source(n)) for n in sources] + [(n, folders_of_target(n)) for n in targets]
    for name, folders in users:
        chosen = overrides.get(name, source)
        for folder in sorted(folders):
            before, names = origins.get(folder, (chosen, []))
            if before != chosen:
                raise XmixError(f"data.overrides: {name} ({chosen}) and {', '.join(names)} ({before}) read the "
                                f"same folder {folder}/; give them the same data source")
            origins[folder] = (chosen, [*names, name])
    return origins


def hub_bindings(folders) -> tuple[list, dict[str, str]]:
    """The bound files of ``folders`` in registration order, and {folder or file: why} for
    the parts with no hub copy (taken from the local root instead). A folder that is
    neither is bad input that names it."""
    from evaluation.hub import NO_HUB_COPY, bindings_of  # imports datasets: only when the hub is read

    chosen, unbound = [], {}
    for folder in sorted(folders):
        if folder in NO_HUB_COPY:
            unbound[folder] = NO_HUB_COPY[folder]
            continue
        found = bindings_of([folder])
        if not found:
            raise XmixError(f"{folder}/: no hub binding (bound folders: {', '.join(bound_folders())})")
        chosen.extend(found)
        unbound.update({p: why for p, why in NO_HUB_COPY.items() if p.startswith(folder + "/")})
    return chosen, unbound


def bound_folders() -> list[str]:
    from evaluation.hub import HUB_FILES

    return sorted({binding.folder for _, binding in HUB_FILES.items()})


def resolve_data_root(spec) -> Path:
    """The folder the plan's ``data_root`` names (prepared from the hub when needed)."""
    data = spec.data
    local_root = data.resolved_root()
    names = {*spec.intermediate.sources, *spec.targets}
    for name in data.overrides:
        if name not in names:
            raise XmixError(f"data.overrides.{name}: not a source in intermediate.sources or a target in "
                            f"targets (those are: {', '.join(sorted(names))})")
    origins = folder_origins(data.source, dict(data.overrides), spec.intermediate.sources, spec.targets)
    hub_folders = sorted(f for f, (origin, _) in origins.items() if origin == "hub")
    if not hub_folders:
        return local_root
    from evaluation.hub.prepare import prepare, read_manifest

    mirror = mirror_folder(data.hub_mirror, "data.hub_mirror")
    bindings, unbound = hub_bindings(hub_folders)
    unknown = sorted(set(data.revisions) - {b.dataset for b in bindings})
    if unknown:
        raise XmixError(f"data.revisions: {', '.join(unknown)} not read by this spec (it reads: "
                        f"{', '.join(sorted({b.dataset for b in bindings}))})")
    links = {f: local_root / f for f, (origin, _) in origins.items() if origin == "local"}
    for path, why in unbound.items():
        print(f"data: {path} has no hub copy ({why}); read from {local_root}", flush=True)
        links[path] = local_root / path
    for path, target in links.items():
        if not target.exists() and path in origins:
            raise XmixError(f"data.root: no folder {target} (read locally by {', '.join(origins[path][1])})")
    links = {path: target for path, target in links.items() if target.exists()}  # a reader names what lacks
    key = hashlib.sha256(json.dumps({
        "files": [[b.path, b.dataset, b.config, b.split] for b in bindings], "revisions": dict(data.revisions),
        "mirror": str(mirror) if mirror else None, "local": {f: str(p) for f, p in sorted(links.items())},
    }, sort_keys=True).encode()).hexdigest()[:16]
    root = cache_folder(data.cache) / key
    if read_manifest(root) is None:
        print(f"data: writing {len(bindings)} files from the hub into {root}", flush=True)
        prepare(root, bindings, mirror=mirror, revisions=data.revisions, links=links,
                progress=lambda line: print(f"data: {line}", flush=True))
    return root


def cache_folder(configured: str | None) -> Path:
    return Path(configured or os.environ.get("XMIX_DATA_CACHE") or DEFAULT_CACHE).expanduser().resolve()


def mirror_folder(configured: str | Path | None, field: str) -> Path | None:
    if configured is None:
        return None
    mirror = Path(configured).expanduser().resolve()
    if not mirror.is_dir():
        raise XmixError(f"{field}: {mirror} is not a folder")
    return mirror
