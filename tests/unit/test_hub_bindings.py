"""Every hub binding through the real ``datasets.load_dataset`` path, on an offline mirror
built from the local data (tests/hub_mirror.py): an exact file comes back byte for byte,
any other gives every reader of it the same examples as the local file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import training.sources  # noqa: F401  (registration)
from evaluation.hub import HUB_FILES, NO_HUB_COPY
from evaluation.hub.load import load_split
from evaluation.hub.prepare import splits_of
from evaluation.targets import TARGETS
from tests.conftest import DATA_ROOT
from tests.hub_mirror import build_mirror
from training.sources import SOURCES

BINDINGS = [binding for _, binding in HUB_FILES.items()]
SPLITS = splits_of(BINDINGS)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, monkeypatch_module):
    folder = tmp_path_factory.mktemp("hub")
    monkeypatch_module.setenv("HF_DATASETS_CACHE", str(folder / "cache"))
    return build_mirror(DATA_ROOT, folder / "mirror", BINDINGS)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def readers_of(path: str, root: Path):
    """Every reader that reads ``path``: (what, root -> examples)."""
    found = [(f"source {n}", s.read) for n, s in SOURCES.items() if path in s.files]
    for name, target in TARGETS.items():
        if target.stage2 is not None and path in target.stage2.files:
            found.append((f"{name} stage 2", target.stage2.read))
        for split in target.splits:
            for language in target.available_languages(root, split):
                if path in target.files(language, split):
                    found.append((f"{name} {split} {language}",
                                  lambda r, t=target, l=language, s=split: t.read(r, l, s)))
    return found


def _root_with(path: str, content: bytes, tmp_path: Path) -> Path:
    """The local root with one file replaced: its folder copied, every other one linked."""
    root = tmp_path / "root"
    root.mkdir(parents=True)
    folder = path.split("/")[0]
    for entry in DATA_ROOT.iterdir():
        if entry.name == folder:
            shutil.copytree(entry, root / folder)
        else:
            (root / entry.name).symlink_to(entry)
    (root / path).write_bytes(content)
    return root


@pytest.mark.parametrize("key", list(SPLITS), ids=["/".join(str(p) for p in key) for key in SPLITS])
def test_the_hub_split_writes_the_local_file(key, mirror, tmp_path):
    files = SPLITS[key]
    loaded = load_split(*key, "mirror", mirror, files[0].features)
    for binding in files:
        content = binding.to_local(loaded)
        if binding.exact:
            assert content == (DATA_ROOT / binding.path).read_bytes(), binding.path
            continue
        assert binding.note, f"{binding.path}: not exact, and no note says what differs"
        root = _root_with(binding.path, content, tmp_path / binding.path.replace("/", "_"))
        readers = readers_of(binding.path, DATA_ROOT)
        assert readers, f"{binding.path}: no reader reads it, so nothing checks it"
        for what, read in readers:
            assert list(read(root)) == list(read(DATA_ROOT)), f"{binding.path}: {what} reads other examples"


def test_every_folder_a_source_or_target_reads_is_bound_or_has_no_hub_copy():
    from sweep.data_source import folders_of_source, folders_of_target

    bound = {b.folder for b in BINDINGS}
    needed = set().union(*(folders_of_source(n) for n in SOURCES.names()),
                         *(folders_of_target(n) for n in TARGETS.names()))
    assert needed - bound - set(NO_HUB_COPY) == set()


def test_every_file_a_reader_reads_is_bound():
    """Within a bound folder, a file left out (and not said to have no hub copy, so taken
    from the local root) would be missing from a prepared root."""
    bound = {b.path for b in BINDINGS}
    folders = {p.split("/")[0] for p in bound}
    read = {f for _, s in SOURCES.items() for f in s.files}
    for _, target in TARGETS.items():
        read |= set(target.stage2.files if target.stage2 else ())
        for split in target.splits:
            for language in target.available_languages(DATA_ROOT, split):
                read |= set(target.files(language, split))
    assert sorted(f for f in read if f.split("/")[0] in folders and f not in bound and f not in NO_HUB_COPY) == []
