"""Is the tracking server there? Asked before MLflow, Ray or torch is imported.

MLflow's client retries a refused connection for ~4 minutes before it raises, and the
sweep's imports take seconds more: one plain request, before either, answers in
seconds (ISSUE: tracking down -> exit 2 within 10 s, before any Ray process).
"""
from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from evaluation.errors import XmixError

def absolute_tracking_uri(uri: str) -> str:
    """Trials run in other working directories: make a relative SQLite path absolute."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str(Path(uri[len(prefix):]).resolve())
    return uri


REACH_TIMEOUT_S = 4.0


def require_reachable(uri: str, timeout: float = REACH_TIMEOUT_S) -> None:
    """Any HTTP answer (even 404) is a live server; 401/403 is refused here, since every
    later call would be too. Local stores (sqlite, file) need no server."""
    if not uri.startswith(("http://", "https://")):
        return
    probe = uri.rstrip("/") + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=xmix-probe"
    try:
        urllib.request.urlopen(probe, timeout=timeout).close()
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise XmixError(f"tracking.uri {uri}: the MLflow server refused us (HTTP {error.code}); "
                            "set MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise XmixError(f"tracking.uri {uri}: no MLflow server answers there ({reason}); start one "
                        "(`make mlflow`) or point tracking.uri / MLFLOW_TRACKING_URI at a running one") from None


