"""One split of one hub dataset, through ``datasets.load_dataset``, with every way it can
fail answered as bad input (exit 2) naming the dataset, the config and the split.

``mirror``: a folder holding datasets in the hub's own repository layout
(``<mirror>/<owner>/<name>/README.md`` whose YAML ``configs:`` name parquet files) that
stands in for the hub: the offline test fixture, or a copy on an air-gapped cluster.
``load_dataset`` reads it by the same code path as the hub id.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Mapping

from evaluation.errors import XmixError

COMMIT = re.compile(r"[0-9a-f]{40}")


def where(dataset: str, config: str | None, split: str) -> str:
    return f"{dataset} (config {config or 'default'}, split {split})"


def location(dataset: str, mirror: Path | None) -> str:
    if mirror is None:
        return dataset
    folder = mirror / dataset
    if not (folder / "README.md").is_file():
        raise XmixError(f"{dataset}: not in the hub mirror {mirror} (no {folder}/README.md); "
                        f"the mirror holds: {', '.join(mirrored(mirror)) or 'nothing'}")
    return str(folder)


def mirrored(mirror: Path) -> list[str]:
    return sorted(p.parent.relative_to(mirror).as_posix() for p in mirror.glob("*/*/README.md"))


def resolve_revision(dataset: str, requested: str | None, mirror: Path | None) -> str:
    """What to pin and log: a mirror's content hash, a commit as given, else the commit
    the hub resolves ``requested`` (default: main) to."""
    if mirror is not None:
        digest = hashlib.sha256()
        folder = mirror / dataset
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
        return "sha256:" + digest.hexdigest()
    if requested and COMMIT.fullmatch(requested):
        return requested
    try:
        from huggingface_hub import HfApi

        return HfApi().dataset_info(dataset, revision=requested or "main").sha
    except Exception as error:  # noqa: BLE001  (offline, unknown id, unknown revision: all bad input)
        raise XmixError(f"{dataset}: cannot resolve revision {requested or 'main'!r} on the hub "
                        f"({_offline_hint(error)})") from None


def _offline_hint(error: BaseException) -> str:
    text = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false"):
        text += "; HF_HUB_OFFLINE is set: xmix sets it unless XMIX_ALLOW_HUB=1, or give data.hub_mirror"
    return text


def load_split(dataset: str, config: str | None, split: str, revision: str, mirror: Path | None,
               features: Mapping[str, Any]):
    """The split as a ``datasets.Dataset``, checked to carry every field of ``features``."""
    import datasets

    path = location(dataset, mirror)
    kwargs = {} if mirror is not None else {"revision": revision}
    try:
        loaded = datasets.load_dataset(path, config, split=split, **kwargs)
    except ValueError as error:
        # datasets words these itself: "BuilderConfig 'x' not found. Available: [...]",
        # 'Unknown split "x". Should be one of [...]'.
        raise XmixError(f"{where(dataset, config, split)}: {str(error).splitlines()[0]}") from None
    except Exception as error:  # noqa: BLE001  (missing files, no network, and datasets' own hub errors)
        raise XmixError(f"{where(dataset, config, split)}: cannot load it ({_offline_hint(error)})") from None
    missing = [name for name in features if name not in loaded.column_names]
    if missing:
        raise XmixError(f"{where(dataset, config, split)}: no field {', '.join(map(repr, missing))} "
                        f"(it has: {', '.join(loaded.column_names)})")
    return loaded
