"""Hub bindings: each file of the local data layout <- one split of one Hugging Face
dataset config, and back.

The local layout (``../shared/data``, or a root written by ``xmix data prepare``) stays
the one thing every reader, the leakage guard and the lineage know. A binding says how
one of its files is written from the hub (``to_local``) and, for the offline fixture
that stands in for the hub in tests, how that file's rows look in the hub's own fields
(``from_local``). Several files may share one split (XNLI's languages, PAN-X's): the
fixture concatenates their rows in registration order and each ``to_local`` keeps its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from evaluation.registry import Registry


@dataclass(frozen=True)
class HubFile:
    path: str  # the local file, relative to the data root ("mnli/train.first4000.json")
    dataset: str  # hub id ("nyu-mll/glue")
    config: str | None  # config name ("mnli"); None where the dataset has only the default
    split: str  # "train", "validation_matched", ...
    card: str  # the dataset card the id, config, split and fields were checked against
    features: Any  # datasets.Features: the hub's columns and types
    to_local: Callable[[Any], bytes]  # the loaded split (datasets.Dataset) -> this file's bytes
    from_local: Callable[[Path], list[dict]]  # this file -> its rows in the hub's fields
    # to_local(from_local(file)) == file byte for byte; where the local file holds what the
    # hub does not (or the hub what it does not), the readers' examples agree instead.
    exact: bool = True
    note: str = ""  # what differs between the hub's split and the local file, if anything

    @property
    def folder(self) -> str:
        return self.path.split("/")[0]


HUB_FILES: Registry[HubFile] = Registry("hub file")

# Local folders, or single files, with no copy on the hub: a root written from the hub
# takes them from the local data root (they keep their file path), saying so.
NO_HUB_COPY: dict[str, str] = {}


def register(**fields: Any) -> HubFile:
    binding = HubFile(**fields)
    return HUB_FILES.register(binding.path, binding)


def bindings_of(folders) -> list[HubFile]:
    """The bound files of ``folders``, in registration order."""
    wanted = set(folders)
    return [binding for _, binding in HUB_FILES.items() if binding.folder in wanted]


def no_hub_copy(path: str, why: str) -> None:
    """``path``: a folder ("lareqa") or one file of a bound folder."""
    NO_HUB_COPY[path] = why
