"""Real processes for the integration and browser tests: a Ray head, an MLflow
server, and the smoke sweep submitted to them with ``xmix submit``.

One stack per pytest session, shared by tests/integration and tests/browser
(``shared_stack``): the sweep is minutes of CPU on a 2-core machine. Every
process starts in its own session, so teardown kills exactly our process
groups; ``ray stop`` would also kill other Ray clusters on the machine.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# Measured on the shared 2-core machine: `ray start` 20-80 s, mlflow server ~25 s on a new
# database, the smoke sweep ~100 s in-process; the limits leave room for a busy machine.
RAY_START_TIMEOUT_S = 240
MLFLOW_START_TIMEOUT_S = 150
SWEEP_TIMEOUT_S = 8 * 60
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


class TokenHeaders(dict):
    """The Authorization header, with a repr that hides the token (pytest prints locals)."""

    def __repr__(self) -> str:
        return "{'Authorization': 'Bearer ***'}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after 20 s (gcs_server ignores TERM)."""
        for sig, grace_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline and _group_alive(self.process.pid):
                self.process.poll()
                time.sleep(0.5)
            if not _group_alive(self.process.pid):
                return

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _spawn(name: str, command: list[str], env: dict, workdir: Path) -> Service:
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir,
                                   start_new_session=True)
    return Service(name, process, log_path)


def _wait_http(service: Service, url: str, timeout_s: float, headers: dict | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n{service.log_tail()}")
        try:
            if requests.get(url, headers=headers, timeout=3).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{service.name}: {url} not ready after {timeout_s} s:\n{service.log_tail()}")


@dataclass
class Stack:
    workdir: Path
    env: dict  # for every xmix subprocess: token auth on, no stray RAY_ADDRESS
    headers: dict  # token header for direct REST calls to the dashboard
    services: list[Service] = field(default_factory=list)
    dashboard_url: str = ""
    mlflow_url: str = ""
    submission_id: str = ""
    submit_output: str = ""
    submit_to_succeeded_s: float = float("nan")
    final_status: str = ""
    ray_temp_dir: str = ""

    def xmix(self, *args: str, timeout_s: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "xmix"), *args], cwd=REPO, env=self.env, capture_output=True,
                              text=True, timeout=timeout_s)

    def job(self, submission_id: str) -> dict:
        response = requests.get(f"{self.dashboard_url}/api/jobs/{submission_id}", headers=self.headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_job(self, submission_id: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.job(submission_id)["status"]
            if state in TERMINAL:
                return state
            time.sleep(3)
        return "TIMEOUT"

    def job_logs(self, submission_id: str) -> str:
        response = requests.get(f"{self.dashboard_url}/api/jobs/{submission_id}/logs", headers=self.headers,
                                timeout=10)
        return response.json().get("logs", "") if response.ok else f"(logs: HTTP {response.status_code})"

    def stop(self) -> None:
        if self.submission_id and self.final_status not in TERMINAL and self.dashboard_url:
            try:  # the job's entrypoint runs in its own session: stop it through Ray, not by signal
                requests.post(f"{self.dashboard_url}/api/jobs/{self.submission_id}/stop", headers=self.headers,
                              timeout=10)
            except requests.RequestException:
                pass
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
        if self.ray_temp_dir:  # Ray's session logs are copied next to ours first, for post-mortems
            logs = Path(self.ray_temp_dir) / "session_latest" / "logs"
            try:
                if logs.is_dir():
                    shutil.copytree(logs, self.workdir / "ray-logs", dirs_exist_ok=True,
                                    ignore_dangling_symlinks=True)
            except OSError as error:
                print(f"Ray's logs not kept: {error}", flush=True)
            finally:
                shutil.rmtree(self.ray_temp_dir, ignore_errors=True)


def start_stack(workdir: Path) -> Stack:
    workdir.mkdir(parents=True, exist_ok=True)
    token_path = workdir / "auth_token"
    token_path.write_text(secrets.token_hex(32))
    token_path.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_API_SERVER_ADDRESS",
                                                            "MLFLOW_TRACKING_URI", "RAY_AUTH_TOKEN")}
    # Token auth as a real cluster has it (Ray 2.59+); the `xmix` the job runs must be on PATH.
    env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token_path), RAY_USAGE_STATS_ENABLED="0",
               PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}")
    stack = Stack(workdir, env, TokenHeaders(Authorization=f"Bearer {token_path.read_text()}"))
    try:
        mlflow_port = free_port()
        mlflow = _spawn("mlflow", [str(VENV_BIN / "mlflow"), "server", "--backend-store-uri",
                                   f"sqlite:///{workdir}/mlflow-server.db", "--default-artifact-root",
                                   str(workdir / "mlflow-artifacts"), "--host", "127.0.0.1", "--port",
                                   str(mlflow_port), "--workers", "1"], env, workdir)
        stack.services.append(mlflow)
        stack.mlflow_url = f"http://127.0.0.1:{mlflow_port}"
        # Short on purpose: Ray's Unix sockets live under it and paths are capped at 107 bytes.
        stack.ray_temp_dir = tempfile.mkdtemp(prefix="xr-", dir="/tmp")
        stack.dashboard_url, ray_service = _start_ray(workdir, stack.ray_temp_dir, env, stack.headers)
        stack.services.append(ray_service)
        print(f"mlflow server ready in {_wait_http(mlflow, stack.mlflow_url + '/health', MLFLOW_START_TIMEOUT_S):.0f} s",
              flush=True)
        _submit_smoke(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _start_ray(workdir: Path, ray_temp_dir: str, env: dict, headers: dict) -> tuple[str, Service]:
    # Every port explicit and free: the defaults (6379, 8265, agent 52365, client 10001)
    # collide with any other Ray on the machine, and the job agent then never registers.
    ports = {name: free_port() for name in ("port", "dashboard-port", "dashboard-agent-listen-port",
                                            "dashboard-agent-grpc-port", "runtime-env-agent-port",
                                            "metrics-export-port", "ray-client-server-port",
                                            "node-manager-port", "object-manager-port")}
    command = [str(VENV_BIN / "ray"), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
               "--dashboard-host", "127.0.0.1", "--include-dashboard", "true", "--num-cpus", "2",
               "--resources", json.dumps({"xmix_trial_driver": 2}), "--temp-dir", ray_temp_dir,
               "--disable-usage-stats"]
    for name, port in ports.items():
        command += [f"--{name}", str(port)]
    service = _spawn("ray-head", command, env, workdir)
    url = f"http://127.0.0.1:{ports['dashboard-port']}"
    started = time.monotonic()
    _wait_http(service, f"{url}/api/version", RAY_START_TIMEOUT_S, headers)
    # The Jobs API answers before the head node and its job agent register; submitting
    # then fails with "No available agent". The agent listens on the head node's IP.
    head_ip = None
    while head_ip is None and time.monotonic() - started < RAY_START_TIMEOUT_S:
        nodes = requests.get(f"{url}/api/v0/nodes", headers=headers, timeout=10).json()["data"]["result"]["result"]
        head_ip = next((node["node_ip"] for node in nodes if node["is_head_node"]), None)
        time.sleep(0 if head_ip else 1)
    if head_ip is None:
        raise RuntimeError(f"ray head: no head node registered after {RAY_START_TIMEOUT_S} s:\n{service.log_tail()}")
    agent = f"http://{head_ip}:{ports['dashboard-agent-listen-port']}/api/local_raylet_healthz"
    _wait_http(service, agent, RAY_START_TIMEOUT_S, headers)
    print(f"ray head ready in {time.monotonic() - started:.0f} s at {url}", flush=True)
    return url, service


def _submit_smoke(stack: Stack) -> None:
    started = time.monotonic()
    result = stack.xmix("submit", "configs/smoke.yaml", "--address", stack.dashboard_url,
                        "--set", f"tracking.uri={stack.mlflow_url}",
                        "--set", f"storage.path={stack.workdir / 'runs'}",
                        # The local smoke sweep covers the in_trial runner; this one keeps the
                        # Ray Train path (a TorchTrainer per trial) tested on a real head. The
                        # confirmation phase and verdict are covered locally (test_smoke_sweep).
                        "--set", "resources.runner=ray_train", "--set", "search.confirm=null")
    stack.submit_output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"xmix submit exited {result.returncode}:\n{stack.submit_output}")
    stack.submission_id = result.stdout.strip().splitlines()[-1]
    submitted_s = time.monotonic() - started  # checks, local validation, working_dir upload
    stack.final_status = stack.wait_job(stack.submission_id, SWEEP_TIMEOUT_S)
    stack.submit_to_succeeded_s = time.monotonic() - started
    print(f"smoke sweep {stack.submission_id}: {stack.final_status} {stack.submit_to_succeeded_s:.0f} s after "
          f"`xmix submit` started (the command itself: {submitted_s:.0f} s)", flush=True)


_SHARED: Stack | None = None
_FAILED: str | None = None


def shared_stack(workdir: Path) -> Stack:
    """The session's one stack; a failed start is remembered, not retried per test."""
    global _SHARED, _FAILED
    if _FAILED is not None:
        raise RuntimeError(_FAILED)
    if _SHARED is None:
        try:
            _SHARED = start_stack(workdir)
        except Exception as error:
            _FAILED = f"starting the Ray + MLflow stack failed: {error}"
            raise
    return _SHARED


def stop_shared_stack() -> None:
    global _SHARED
    if _SHARED is not None:
        _SHARED.stop()
        _SHARED = None
