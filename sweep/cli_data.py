"""``xmix data prepare --to DIR``: a data root in the local layout, written from the
Hugging Face hub (or a mirror of it), with a MANIFEST: what a cluster's shared volume needs."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from evaluation.errors import XmixError

data_app = typer.Typer(no_args_is_help=True, help="Data from the Hugging Face hub.")


def _names(values: Optional[List[str]]) -> list[str]:
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def _revisions(values: Optional[List[str]]) -> dict[str, str]:
    pins = {}
    for value in values or []:
        dataset, _, revision = value.partition("=")
        if not dataset or not revision:
            raise XmixError(f"--revision {value!r}: give DATASET=REVISION, e.g. nyu-mll/glue=<commit>")
        pins[dataset] = revision
    return pins


@data_app.command()
def prepare(
    to: Path = typer.Option(..., "--to", help="New (or empty) folder to write the data root into."),
    sources: Optional[List[str]] = typer.Option(None, "--sources", help="Source names (comma-separated or "
                                                "repeated); default with --targets: none, alone: every bound one."),
    targets: Optional[List[str]] = typer.Option(None, "--targets", help="Target names, likewise."),
    hub_mirror: Optional[Path] = typer.Option(None, "--hub-mirror", help="A folder of datasets in the hub's "
                                              "repository layout, read instead of the hub."),
    revision: Optional[List[str]] = typer.Option(None, "--revision", help="DATASET=REVISION pin (repeatable)."),
) -> None:
    """Write sources' and targets' files from the hub in the local layout, with MANIFEST.json."""
    import training.sources  # noqa: F401  (registration)
    from evaluation.hub.prepare import prepare as write_root
    from evaluation.targets import TARGETS
    from sweep.data_source import bound_folders, folders_of_source, folders_of_target, hub_bindings, mirror_folder
    from training.sources import SOURCES

    source_names, target_names = _names(sources), _names(targets)
    for name in source_names:
        SOURCES.get(name)  # unknown: exit 2 with the known names
    for name in target_names:
        TARGETS.get(name)
    if source_names or target_names:
        folders = set().union(*(folders_of_source(n) for n in source_names),
                              *(folders_of_target(n) for n in target_names))
    else:
        from evaluation.hub import NO_HUB_COPY

        folders = set(bound_folders()) | {path for path in NO_HUB_COPY if "/" not in path}
    mirror = mirror_folder(hub_mirror, "--hub-mirror")
    bindings, unbound = hub_bindings(folders)
    manifest = write_root(to, bindings, mirror=mirror, revisions=_revisions(revision), progress=typer.echo)
    for path, why in unbound.items():
        typer.echo(f"not written: {path} has no hub copy ({why}); copy it from a local data root", err=True)
    typer.echo(f"wrote {len(manifest['files'])} files from {len(manifest['datasets'])} datasets into "
               f"{to.expanduser().resolve()} (see MANIFEST.json); use it with data.root or XMIX_DATA")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
