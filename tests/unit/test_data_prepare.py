"""``xmix data prepare`` and ``data.source: hub`` on an offline mirror of the hub built from
the local data: the root it writes, the MANIFEST, a spec that reads it, and bad input
answered with exit 2 naming the dataset, config or split, with nothing half-written."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evaluation.hub import bindings_of
from sweep.data_source import folders_of_source, folders_of_target
from tests.conftest import DATA_ROOT, PROJECT_ROOT
from tests.hub_mirror import build_mirror

SMOKE_SOURCES = "mnli,squad2,hellaswag,pawsx.de,mlqa.zh"
SMOKE_TARGETS = "xnli,panx,tatoeba"


def _smoke_folders():
    return set().union(*(folders_of_source(n) for n in SMOKE_SOURCES.split(",")),
                       *(folders_of_target(n) for n in SMOKE_TARGETS.split(",")))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return build_mirror(DATA_ROOT, tmp_path_factory.mktemp("hub") / "mirror", bindings_of(_smoke_folders()))


def xmix(*args, env=None, cwd=PROJECT_ROOT, hub_cache=None):
    environment = {**os.environ, **(env or {})}
    if hub_cache is not None:
        environment["HF_DATASETS_CACHE"] = str(hub_cache)
    return subprocess.run([sys.executable, "-m", "sweep", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=environment)


def _clean_exit_2(done, *phrases):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, done.stderr


def test_prepare_writes_the_smoke_root_with_its_manifest_and_validate_accepts_it(mirror, tmp_path):
    root = tmp_path / "root"
    done = xmix("data", "prepare", "--to", root, "--sources", SMOKE_SOURCES, "--targets", SMOKE_TARGETS,
                "--hub-mirror", mirror, hub_cache=tmp_path / "hf")
    assert done.returncode == 0, done.stderr
    assert "[1/" in done.stdout and "MANIFEST.json" in done.stdout
    manifest = json.loads((root / "MANIFEST.json").read_text())
    bindings = {b.path: b for b in bindings_of(_smoke_folders())}
    assert sorted(f["path"] for f in manifest["files"]) == sorted(bindings)
    for entry in manifest["files"]:
        content = (root / entry["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["bytes"]
        assert entry["revision"] == manifest["datasets"][entry["dataset"]].strip() and entry["split_rows"] > 0
        if bindings[entry["path"]].exact:
            assert content == (DATA_ROOT / entry["path"]).read_bytes(), entry["path"]
    assert all(revision.startswith("sha256:") for revision in manifest["datasets"].values())
    checked = xmix("validate", "configs/smoke.yaml", "--set", f"data.root={root}")
    assert checked.returncode == 0, checked.stderr
    # The leakage guard and the lineage see the same examples as on the local layout.
    local = xmix("validate", "configs/smoke.yaml")
    guard = [[line for line in done.stdout.splitlines() if line.startswith("leakage guard:")] for done in (checked, local)]
    assert guard[0] == guard[1] and len(guard[0]) == 1


def test_a_spec_on_the_hub_is_prepared_once_into_the_cache(mirror, tmp_path):
    args = ["validate", "configs/smoke.yaml", "--set", "data.source=hub", "--set", f"data.hub_mirror={mirror}",
            "--set", f"data.cache={tmp_path / 'cache'}"]
    first = xmix(*args, hub_cache=tmp_path / "hf")
    assert first.returncode == 0, first.stderr
    assert "data: writing" in first.stdout
    (root,) = (tmp_path / "cache").iterdir()
    assert (root / "MANIFEST.json").is_file()
    again = xmix(*args, hub_cache=tmp_path / "hf")
    assert again.returncode == 0 and "data: writing" not in again.stdout
    # A per-name override reads that folder from data.root instead, as a link.
    local = xmix(*args, "--set", "data.overrides={tatoeba: local}", hub_cache=tmp_path / "hf")
    assert local.returncode == 0, local.stderr
    linked = [r for r in (tmp_path / "cache").iterdir() if r != root]
    assert len(linked) == 1 and (linked[0] / "tatoeba").is_symlink()


@pytest.mark.parametrize("override, phrases", [
    ("data.overrides={nope: local}", ("data.overrides.nope: not a source", "mnli")),
    ("data.overrides={xnli: local}", ("data.overrides: ", "read the same folder mnli/")),
    ("data.revisions={no/such: abc}", ("data.revisions: no/such not read by this spec", "nyu-mll/glue")),
    ("data.hub_mirror=/no/such/folder", ("data.hub_mirror: /no/such/folder is not a folder",)),
])
def test_bad_hub_settings_in_a_spec(override, phrases, mirror, tmp_path):
    done = xmix("validate", "configs/smoke.yaml", "--set", "data.source=hub", "--set", f"data.hub_mirror={mirror}",
                "--set", f"data.cache={tmp_path / 'cache'}", "--set", override, hub_cache=tmp_path / "hf")
    _clean_exit_2(done, *phrases)


def test_a_part_without_a_hub_copy_is_named_and_left_to_the_local_root(mirror, tmp_path):
    from evaluation.hub import NO_HUB_COPY

    folder = "lareqa" if "lareqa" in NO_HUB_COPY else sorted(NO_HUB_COPY)[0]
    done = xmix("data", "prepare", "--to", tmp_path / "root", "--hub-mirror", mirror, "--targets", "lareqa")
    assert done.returncode == 0, done.stderr
    assert f"not written: {folder} has no hub copy" in done.stderr
    listed = xmix("targets")
    assert "lareqa" in listed.stdout and "has no hub copy" in listed.stdout


def _mnli_mirror(tmp_path: Path, edit) -> Path:
    """A one-dataset mirror (what --sources mnli reads), edited to be wrong in one way."""
    mirror = build_mirror(DATA_ROOT, tmp_path / "mirror", bindings_of(folders_of_source("mnli")))
    (card,) = mirror.glob("*/*/README.md")
    edit(card)
    return mirror


def _rename_config(card: Path) -> None:
    card.write_text(card.read_text().replace("config_name: mnli", "config_name: renamed"))


def _rename_split(card: Path) -> None:
    card.write_text(card.read_text().replace("split: train", "split: trainx"))


def _drop_field(card: Path) -> None:
    import pyarrow.parquet as pq

    for path in card.parent.rglob("train-*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["hypothesis"]), path)


@pytest.mark.parametrize("edit, phrases", [
    (_rename_config, ("nyu-mll/glue (config mnli, split train)", "BuilderConfig 'mnli' not found",
                      "renamed")),
    (_rename_split, ("nyu-mll/glue (config mnli, split train)", "Unknown split", "trainx")),
    (_drop_field, ("nyu-mll/glue (config mnli, split train): no field 'hypothesis'",)),
])
def test_a_wrong_mirror_is_answered_and_nothing_is_half_written(edit, phrases, tmp_path):
    mirror = _mnli_mirror(tmp_path, edit)
    root = tmp_path / "out" / "root"
    done = xmix("data", "prepare", "--to", root, "--sources", "mnli", "--hub-mirror", mirror,
                hub_cache=tmp_path / "hf")
    _clean_exit_2(done, *phrases)
    assert not root.exists() and list((tmp_path / "out").iterdir()) == []


def test_unknown_names_missing_datasets_a_full_folder_and_no_network(tmp_path):
    _clean_exit_2(xmix("data", "prepare", "--to", tmp_path / "a", "--sources", "nope"),
                  "unknown source 'nope'", "mnli")
    empty = tmp_path / "empty"
    empty.mkdir()
    _clean_exit_2(xmix("data", "prepare", "--to", tmp_path / "b", "--sources", "mnli", "--hub-mirror", empty),
                  "nyu-mll/glue: not in the hub mirror")
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine\n")
    _clean_exit_2(xmix("data", "prepare", "--to", full, "--sources", "mnli"), "not an empty folder")
    assert (full / "keep.txt").read_text() == "mine\n"
    offline = xmix("data", "prepare", "--to", tmp_path / "c", "--sources", "mnli",
                   env={"HF_HUB_OFFLINE": "1"}, hub_cache=tmp_path / "hf")
    _clean_exit_2(offline, "nyu-mll/glue", "HF_HUB_OFFLINE")
    assert not (tmp_path / "c").exists() and not list(tmp_path.glob(".c.*"))
    _clean_exit_2(xmix("data", "prepare", "--to", tmp_path / "d", "--sources", "mnli", "--revision", "oops"),
                  "--revision 'oops'")
