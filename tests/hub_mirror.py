"""A local stand-in for the Hugging Face hub, built from the local data: for each bound
dataset, a folder in the hub's repository layout (parquet files, and a dataset card whose
YAML ``configs:`` name them) that ``datasets.load_dataset(<folder>, config)`` loads exactly
as it would the hub id. Rows come from each binding's ``from_local``, so they carry the
hub's real field names and types."""
from __future__ import annotations

from pathlib import Path

import yaml

from evaluation.hub.prepare import splits_of


def build_mirror(data_root: Path, out: Path, bindings) -> Path:
    """Write every (dataset, config, split) of ``bindings`` under ``out``; returns ``out``."""
    import datasets

    datasets.disable_progress_bars()  # one bar per parquet file buries the test output
    configs: dict[str, dict[str, list[dict]]] = {}
    for (dataset, config, split), files in splits_of(bindings).items():
        rows = [row for binding in files for row in binding.from_local(data_root / binding.path)]
        name = config or "default"
        relative = f"{_folder(name)}/{split}-00000-of-00001.parquet"
        target = out / dataset / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_list(rows, features=files[0].features).to_parquet(str(target))
        configs.setdefault(dataset, {}).setdefault(name, []).append({"split": split, "path": relative})
    for dataset, by_config in configs.items():
        card = {"configs": [{"config_name": name, "data_files": files} for name, files in by_config.items()]}
        (out / dataset / "README.md").write_text(
            "---\n" + yaml.safe_dump(card, sort_keys=False) + "---\n"
            f"# {dataset} (offline mirror built from the local data by tests/hub_mirror.py)\n")
    return out


def _folder(config: str) -> str:
    return config.replace("/", "_")
