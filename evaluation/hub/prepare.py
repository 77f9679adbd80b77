"""A data root in the local layout, written from the hub: what a cluster's shared volume
holds, and what ``data.source: hub`` reads through.

Written into a temporary folder beside the destination and moved into place at the end,
so a failure leaves nothing half-written. ``MANIFEST.json`` lists, per file, the dataset
id, config, split, the revision it was read at, the split's row count, size and sha256.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Mapping

from evaluation.errors import XmixError
from evaluation.hub.load import load_split, resolve_revision, where
from evaluation.hub.registry import HubFile

MANIFEST = "MANIFEST.json"


def splits_of(bindings: Iterable[HubFile]) -> dict[tuple[str, str | None, str], list[HubFile]]:
    """Bindings grouped by the split they read, in registration order: each split loads once."""
    grouped: dict[tuple[str, str | None, str], list[HubFile]] = {}
    for binding in bindings:
        grouped.setdefault((binding.dataset, binding.config, binding.split), []).append(binding)
    return grouped


def prepare(to: Path, bindings: list[HubFile], *, mirror: Path | None = None,
            revisions: Mapping[str, str] | None = None, links: Mapping[str, Path] | None = None,
            progress: Callable[[str], None] = print) -> dict:
    """Write ``bindings``' files under ``to`` (which must not exist or be empty); ``links``:
    folders or files of the root taken as they are from another root (symbolic links)."""
    to = to.expanduser().resolve()
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise XmixError(f"{to}: exists and is not an empty folder; give a new folder to prepare into")
    to.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{to.name}.", dir=to.parent))
    try:
        manifest = _write(staging, bindings, mirror, dict(revisions or {}), progress)
        for path, target in sorted((links or {}).items()):
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).symlink_to(Path(target).resolve(), target_is_directory=Path(target).is_dir())
            manifest["local"][path] = str(Path(target).resolve())
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        if to.exists():
            to.rmdir()
        os.replace(staging, to)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _write(staging: Path, bindings: list[HubFile], mirror: Path | None, revisions: dict, progress) -> dict:
    manifest = {"mirror": str(mirror) if mirror else None, "datasets": {}, "files": [], "local": {}}
    grouped = splits_of(bindings)
    for number, ((dataset, config, split), files) in enumerate(grouped.items(), 1):
        if dataset not in manifest["datasets"]:
            manifest["datasets"][dataset] = resolve_revision(dataset, revisions.get(dataset), mirror)
        revision = manifest["datasets"][dataset]
        progress(f"[{number}/{len(grouped)}] {where(dataset, config, split)} -> "
                 f"{', '.join(b.path for b in files)}")
        loaded = load_split(dataset, config, split, revision, mirror, files[0].features)
        for binding in files:
            try:
                content = binding.to_local(loaded)
            except (KeyError, TypeError, ValueError, IndexError) as error:
                raise XmixError(f"{where(dataset, config, split)}: cannot write {binding.path} from it "
                                f"({type(error).__name__}: {error})") from None
            path = staging / binding.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            manifest["files"].append({
                "path": binding.path, "dataset": dataset, "config": config, "split": split, "revision": revision,
                "split_rows": loaded.num_rows, "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(), "card": binding.card})
    return manifest


def read_manifest(root: Path) -> dict | None:
    path = Path(root) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None
