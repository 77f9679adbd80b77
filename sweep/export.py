"""``xmix export``: the best trial of a sweep as a fixed-mixture spec that re-runs."""
from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from evaluation.errors import XmixError
from sweep import tracking
from sweep.spec import spec_from_dict


def export_best(sweep: str, out: Path, tracking_uri: str, experiment: str,
                metric: str = "search/xtreme_r/score") -> dict:
    """The best search trial by the search objective (confirmation runs are not candidates)."""
    client = tracking.client_for(tracking_uri)
    parent = tracking.find_sweep_run(client, experiment, sweep)
    runs = tracking.trial_runs(client, parent.info.run_id, metric)
    runs = [r for r in runs if metric in r.data.metrics]
    if not runs:
        raise XmixError(f"sweep {sweep!r} has no finished trial with metric {metric!r} yet")
    best = runs[0]
    with tempfile.TemporaryDirectory() as folder:
        local = client.download_artifacts(best.info.run_id, "spec.yaml", folder)
        raw = yaml.safe_load(Path(local).read_text(encoding="utf-8"))
    raw["provenance"] = {
        **(raw.get("provenance") or {}),
        "sweep": sweep,
        "trial_id": best.data.tags.get(tracking.TRIAL_ID),
        "mlflow_run_id": best.info.run_id,
        "mlflow_parent_run_id": parent.info.run_id,
        "score": best.data.metrics[metric],
        "metric": metric,
        "baseline": best.data.tags.get(tracking.BASELINE),
        "git_commit": parent.data.tags.get("xmix.git_commit", "unknown"),
        "tracking_uri": tracking_uri,
    }
    spec_from_dict(raw, f"exported spec of {best.info.run_id}")  # what we write must validate
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    client.log_text(parent.info.run_id, out.read_text(encoding="utf-8"), "best.yaml")
    return raw
