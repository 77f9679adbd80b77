"""``xmix submit | status | logs | stop``: a thin adapter over Ray's Jobs API.

The job is ``xmix sweep run SPEC --set ...`` run on the cluster's head in a copy
of this project (runtime_env ``working_dir``). Dependencies are not reinstalled:
on a local head they are this venv's, on a real cluster the image carries them,
or ``--runtime-env cluster/runtime_env.yaml`` installs them (pip) per job.

Every command probes the dashboard first (GET /api/version, 5 s) so a wrong or
dead address fails in seconds with the URL, instead of a long retry loop.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlparse

import yaml

from evaluation.errors import XmixError
from sweep.remote_checks import PROJECT_ROOT, check_mlflow_reachable, check_remote_compatible, is_loopback_address

# Never shipped: the venv (GBs), local tracking/results and caches (.cache: CI's XMIX_CACHE). Ray caps a
# working_dir upload at 100 MiB.
EXCLUDES = (".venv", "mlruns", "mlartifacts", "mlflow-artifacts", "runs", "*.db", ".git", "test-output",
            "__pycache__", "*.egg-info", ".pytest_cache", ".cache", "best-run", "xmix-train")
PROBE_TIMEOUT_S = 5.0
LOG_TAIL_LINES = 30
# Ray's client lets these override an explicit address; --address must win.
ADDRESS_VARIABLES = ("RAY_API_SERVER_ADDRESS", "RAY_ADDRESS")
DEFAULT_TOKEN_PATH = Path.home() / ".ray" / "auth_token"
TOKEN_ADVICE = ("set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH to a file holding it): a local head uses "
                "~/.ray/auth_token, a KubeRay cluster the auth_token key of its Secret (cluster/README.md)")


def resolve_address(address: str | None) -> str:
    chosen = address or os.environ.get("RAY_API_SERVER_ADDRESS") or os.environ.get("RAY_ADDRESS")
    if not chosen:
        raise XmixError("no Ray cluster address: pass --address http://HEAD:8265 (the dashboard URL) "
                        "or set RAY_ADDRESS")
    if "://" not in chosen:
        chosen = f"http://{chosen}"
    scheme = urlparse(chosen).scheme
    if scheme not in ("http", "https"):
        raise XmixError(f"--address {chosen}: the Jobs API needs the dashboard URL, http://HEAD:8265; "
                        f"{scheme}:// addresses are for ray.init")
    return chosen.rstrip("/")


def _token(address: str) -> tuple[str | None, str]:
    """The token, in Ray's own precedence, and what to say if it is refused; never printed.

    With RAY_AUTH_MODE unset, Ray 2.60's client sends nothing, although
    ``ray start --head`` turns auth on whenever ~/.ray/auth_token exists. So we
    send that file's token, but only to a loopback address (the head it was
    made for); explicit RAY_AUTH_TOKEN(_PATH) goes wherever the user points.
    """
    mode = os.environ.get("RAY_AUTH_MODE", "").lower()
    if mode == "disabled":
        return None, "RAY_AUTH_MODE=disabled sent no token"
    if os.environ.get("RAY_AUTH_TOKEN", "").strip():
        return os.environ["RAY_AUTH_TOKEN"].strip(), "the token from RAY_AUTH_TOKEN was rejected"
    if os.environ.get("RAY_AUTH_TOKEN_PATH"):
        path = Path(os.environ["RAY_AUTH_TOKEN_PATH"]).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip() or None, f"the token from {path} was rejected"
        except OSError as error:
            raise XmixError(f"RAY_AUTH_TOKEN_PATH={path}: cannot read the token file ({error.strerror})") from None
    if DEFAULT_TOKEN_PATH.is_file() and (mode == "token" or is_loopback_address(address)):
        token = DEFAULT_TOKEN_PATH.read_text(encoding="utf-8").strip() or None
        return token, f"the token from {DEFAULT_TOKEN_PATH} was rejected"
    return None, "no token was found"


def _probe(address: str, headers: dict[str, str], token_outcome: str) -> str:
    import requests

    url = f"{address}/api/version"
    try:
        response = requests.get(url, headers=headers, timeout=PROBE_TIMEOUT_S)
    except requests.RequestException as error:
        raise XmixError(
            f"cannot reach the Ray cluster at {address}: tried GET {url} with a {PROBE_TIMEOUT_S:g} s timeout "
            f"({type(error).__name__}). Is the head running, and is this its dashboard URL (port 8265 by "
            "default, not the GCS port 6379)? KubeRay: kubectl port-forward svc/xmix-head-svc 8265:8265; "
            "ray up: ray dashboard cluster/ray-up.yaml") from None
    if response.status_code in (401, 403):
        raise XmixError(f"the Ray cluster at {address} requires token authentication and {token_outcome}: "
                        f"{TOKEN_ADVICE}")
    if response.status_code == 200:
        try:
            return str(response.json()["ray_version"])
        except (ValueError, KeyError, TypeError):
            pass
    raise XmixError(f"{address} is not a Ray dashboard: GET {url} answered {response.status_code} "
                    f"{response.text[:120]!r}")


@contextmanager
def _without_address_variables():
    saved = {name: os.environ.pop(name) for name in ADDRESS_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@dataclass
class Cluster:
    address: str
    ray_version: str
    headers: dict[str, str]
    client: object  # ray.job_submission.JobSubmissionClient (imported lazily: ray is slow to import)

    def is_remote(self) -> bool:
        """True when the head is another machine, also behind a port-forward.

        A port-forwarded KubeRay or `ray up` dashboard answers on 127.0.0.1, so
        the address alone is not enough: compare the head node's IP (public
        State API) with this machine's interfaces.
        """
        if not is_loopback_address(self.address):
            return True
        import psutil
        import requests

        try:
            nodes = requests.get(f"{self.address}/api/v0/nodes?detail=1", headers=self.headers,
                                 timeout=PROBE_TIMEOUT_S).json()["data"]["result"]["result"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return False  # cannot tell: trust the loopback address
        head_ips = {node["node_ip"] for node in nodes if node.get("is_head_node")}
        local_ips = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
        return bool(head_ips) and not head_ips & local_ips


def connect(address: str | None) -> Cluster:
    address = resolve_address(address)
    token, outcome = _token(address)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    version = _probe(address, headers, outcome)
    from ray.exceptions import AuthenticationError
    from ray.job_submission import JobSubmissionClient

    with _without_address_variables():
        try:
            client = JobSubmissionClient(address, headers=dict(headers))
        except (ConnectionError, RuntimeError, AuthenticationError) as error:
            raise XmixError(f"Ray Jobs API at {address}: {str(error).splitlines()[0]}") from None
    return Cluster(address, version, headers, client)


def submission_id_for(sweep_name: str, now: datetime | None = None) -> str:
    """``xmix-<sweep>-<YYYYmmdd-HHMMSS>-<4 hex>``: sortable, greppable, unique per second and retry."""
    return f"xmix-{sweep_name}-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def spec_in_project(spec_path: Path) -> str:
    resolved = Path(spec_path).resolve()
    if PROJECT_ROOT not in resolved.parents:
        raise XmixError(f"{spec_path}: the job sees only the project folder {PROJECT_ROOT}; "
                        "put the spec under configs/ and submit that")
    return resolved.relative_to(PROJECT_ROOT).as_posix()


def local_head_pins(spec) -> list[str]:
    """--set overrides that pin this machine's paths for a job on a local head.

    The job runs in a copy of the project under Ray's session folder, where
    ``../shared/...``, ``./runs`` and ``sqlite:///mlflow.db`` would point
    somewhere else (and be deleted with the job).
    """
    from sweep.tracking import absolute_tracking_uri

    pins = []
    model = Path(spec.model.name_or_path).expanduser()
    if model.exists():
        pins.append(f"model.name_or_path={model.resolve()}")
    pins.append(f"data.root={spec.data.resolved_root()}")
    for field in ("hub_mirror", "cache"):
        if getattr(spec.data, field) is not None:
            pins.append(f"data.{field}={Path(getattr(spec.data, field)).expanduser().resolve()}")
    if "://" not in spec.storage.path:
        pins.append(f"storage.path={Path(spec.storage.path).expanduser().resolve()}")
    if absolute_tracking_uri(spec.tracking.uri) != spec.tracking.uri:
        pins.append(f"tracking.uri={absolute_tracking_uri(spec.tracking.uri)}")
    return pins


def build_runtime_env(cluster_is_remote: bool, runtime_env_file: Path | None = None) -> dict:
    """working_dir + excludes + env; a --runtime-env file adds pip etc. (its working_dir is replaced)."""
    extra: dict = {}
    if runtime_env_file is not None:
        try:
            extra = yaml.safe_load(Path(runtime_env_file).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise XmixError(f"--runtime-env {runtime_env_file}: cannot read it as YAML ({error})") from None
        if not isinstance(extra, dict):
            raise XmixError(f"--runtime-env {runtime_env_file}: expected a mapping (pip, env_vars, ...)")
    env_vars = {str(k): str(v) for k, v in (extra.get("env_vars") or {}).items()}
    if os.environ.get("MLFLOW_TRACKING_URI"):
        from sweep.tracking import absolute_tracking_uri

        uri = os.environ["MLFLOW_TRACKING_URI"]
        env_vars["MLFLOW_TRACKING_URI"] = uri if cluster_is_remote else absolute_tracking_uri(uri)
    if not cluster_is_remote:  # XMIX_CACHE, XMIX_ALLOW_HUB, ... describe this machine: same one
        env_vars.update({k: v for k, v in os.environ.items() if k.startswith("XMIX_")})
    return {**extra, "working_dir": str(PROJECT_ROOT),
            "excludes": sorted(set(EXCLUDES) | set(extra.get("excludes") or [])), "env_vars": env_vars}


@dataclass(frozen=True)
class Submission:
    submission_id: str
    address: str
    entrypoint: str
    ray_version: str
    cluster_is_remote: bool


def submit(spec_path: Path, address: str | None, overrides: Sequence[str] = (),
           runtime_env_file: Path | None = None, check_tracking: bool = True) -> Submission:
    """Validates here, then submits; nothing starts on the cluster unless every check passed."""
    from sweep.spec import load_spec

    spec = load_spec(spec_path, list(overrides))
    relative_spec = spec_in_project(spec_path)
    cluster = connect(address)
    remote = cluster.is_remote()
    check_remote_compatible(spec, cluster.address, cluster_is_remote=remote)
    settings = list(overrides)
    if not remote:
        from sweep.validate import build_plan

        settings += local_head_pins(spec)
        build_plan(load_spec(spec_path, settings), local=False)  # the job's own first step, done here to fail in seconds
    if check_tracking:
        check_mlflow_reachable(spec.tracking_uri())
    submission_id = submission_id_for(spec.name)
    entrypoint = shlex.join(["xmix", "sweep", "run", relative_spec,
                             *[part for setting in settings for part in ("--set", setting)]])
    try:
        cluster.client.submit_job(entrypoint=entrypoint, submission_id=submission_id,
                                  runtime_env=build_runtime_env(remote, runtime_env_file),
                                  metadata={"xmix.sweep": spec.name, "xmix.spec": relative_spec})
    except RuntimeError as error:
        raise XmixError(f"the Ray cluster at {cluster.address} refused the job: {error}") from None
    return Submission(submission_id, cluster.address, entrypoint, cluster.ray_version, remote)


def _job_call(cluster: Cluster, submission_id: str, call: Callable):
    try:
        return call()
    except RuntimeError as error:
        if "404" in str(error) or "does not exist" in str(error):
            raise XmixError(f"no job {submission_id!r} on the Ray cluster at {cluster.address} "
                            "(`xmix submit` prints the id; `ray job list` lists them)") from None
        raise


@dataclass(frozen=True)
class JobReport:
    submission_id: str
    status: str  # PENDING RUNNING STOPPED SUCCEEDED FAILED
    message: str
    log_tail: tuple[str, ...]  # the last lines of the job's log, filled when it FAILED


def status(submission_id: str, address: str | None) -> JobReport:
    cluster = connect(address)
    info = _job_call(cluster, submission_id, lambda: cluster.client.get_job_info(submission_id))
    state, tail = str(info.status), ()  # JobStatus is a str enum: "FAILED"
    if state == "FAILED":
        text = _job_call(cluster, submission_id, lambda: cluster.client.get_job_logs(submission_id))
        tail = tuple(text.rstrip("\n").splitlines()[-LOG_TAIL_LINES:])
    return JobReport(submission_id, state, (info.message or "").strip(), tail)


def logs(submission_id: str, address: str | None, follow: bool, write: Callable[[str], None]) -> None:
    cluster = connect(address)
    if not follow:
        write(_job_call(cluster, submission_id, lambda: cluster.client.get_job_logs(submission_id)))
        return
    _job_call(cluster, submission_id, lambda: cluster.client.get_job_info(submission_id))  # 404 -> XmixError

    async def tail() -> None:  # Ray streams over a websocket until the job ends
        async for chunk in cluster.client.tail_job_logs(submission_id):
            write(chunk)

    asyncio.run(tail())


def stop(submission_id: str, address: str | None) -> bool:
    """True when a running job was asked to stop; False when it had already ended."""
    cluster = connect(address)
    return bool(_job_call(cluster, submission_id, lambda: cluster.client.stop_job(submission_id)))
