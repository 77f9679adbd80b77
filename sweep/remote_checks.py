"""Checks that a spec can run on a Ray cluster that is not this machine.

A job on a remote cluster runs in a copy of the project on the head node, so a
SQLite file or a relative path means a file on *that* node, in a folder Ray
deletes with the job: the sweep would "succeed" and leave nothing behind. The
trials need an MLflow tracking server reachable over HTTP and a storage path
every node sees (s3://, gs://, or a shared filesystem mounted at the same place).
"""
from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlparse

from evaluation.errors import XmixError
from sweep.spec import Spec

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MLFLOW_HEALTH_TIMEOUT_S = 5.0
# MLflow stores that live in one machine's files: useless to trials on other nodes.
LOCAL_TRACKING_SCHEMES = ("sqlite", "file", "")
TRACKING_ADVICE = ("use an MLflow tracking server, e.g. --set tracking.uri=http://MLFLOW_HOST:5000 "
                   "(`make mlflow` starts one; on Kubernetes, a Service in front of `mlflow server`)")
STORAGE_ADVICE = ("use storage every node sees: --set storage.path=s3://BUCKET/xmix or gs://BUCKET/xmix, "
                  "or an absolute path of a shared filesystem (NFS) mounted at the same place on every node")


def address_host(address: str) -> str:
    parsed = urlparse(address if "://" in address else f"http://{address}")
    return parsed.hostname or ""


def is_loopback_address(address: str) -> bool:
    host = address_host(address)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_path(location: str) -> bool:
    """A path that only this machine (or only the job's working-dir copy) has."""
    if location.startswith("file://"):
        location = location[len("file://"):]
    elif "://" in location:
        return False
    path = Path(location)
    if not path.is_absolute():
        return True  # relative or ~: resolves inside the job's temporary copy, or another home
    # An absolute path inside this checkout exists on this machine only.
    return path == PROJECT_ROOT or PROJECT_ROOT in path.parents


def tracking_is_local(uri: str) -> bool:
    scheme = urlparse(uri).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        return True
    return scheme in LOCAL_TRACKING_SCHEMES


def check_remote_compatible(spec: Spec, address: str, *, cluster_is_remote: bool | None = None) -> None:
    """Rejects local-only tracking and storage when the cluster is elsewhere.

    ``cluster_is_remote`` defaults to "the address is not loopback"; the caller
    passes what it learnt from the cluster itself when it can, because a
    port-forwarded KubeRay or `ray up` dashboard also answers on 127.0.0.1.
    """
    remote = (not is_loopback_address(address)) if cluster_is_remote is None else cluster_is_remote
    if not remote:
        return
    problems = []
    uri = spec.tracking_uri()
    if tracking_is_local(uri):
        problems.append(f"tracking.uri {uri!r} is a file on one machine; {TRACKING_ADVICE}")
    if is_local_path(spec.storage.path):
        problems.append(f"storage.path {spec.storage.path!r} is local to one machine; {STORAGE_ADVICE}")
    reads_hub = spec.data.source == "hub" or "hub" in spec.data.overrides.values()
    if reads_hub and (spec.data.cache is None or is_local_path(spec.data.cache)):
        # The driver writes the hub's data there and every trial reads it back.
        problems.append(f"data.cache {spec.data.cache or '~/.cache/xmix/data'!r} is local to one machine; "
                        "set it to an absolute path of the shared volume, e.g. --set data.cache=/mnt/xmix/data-cache")
    if problems:
        raise XmixError(f"spec {spec.name!r} cannot run on the Ray cluster at {address} (not this machine):\n  "
                        + "\n  ".join(problems))


def check_mlflow_reachable(uri: str, timeout_s: float = MLFLOW_HEALTH_TIMEOUT_S) -> None:
    """Fails fast with the URL when an HTTP tracking server does not answer.

    Without this the sweep starts, every trial fails on its first MLflow call,
    and the user reads a retry storm instead of one sentence. Non-HTTP URIs
    (sqlite, databricks, ...) are left to MLflow.
    """
    if urlparse(uri).scheme.lower() not in ("http", "https"):
        return
    import requests

    health = uri.rstrip("/") + "/health"
    try:
        response = requests.get(health, timeout=timeout_s)
    except requests.RequestException as error:
        raise XmixError(f"MLflow tracking server {uri} is not reachable: tried GET {health} with a "
                        f"{timeout_s:g} s timeout ({type(error).__name__}). Start it (`make mlflow`) or fix "
                        "tracking.uri / MLFLOW_TRACKING_URI.") from None
    if response.status_code != 200:
        raise XmixError(f"MLflow tracking server {uri} is not healthy: GET {health} answered "
                        f"{response.status_code} {response.text[:200]!r}")
