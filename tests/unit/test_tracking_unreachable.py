"""An MLflow server that does not answer: exit 2 within 10 s naming the URI, from every
command that would log to it, before any Ray process or sweep folder exists."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: the hung server, not the refused one."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


COMMANDS = {
    "validate": ["validate", "configs/smoke.yaml"],
    "sweep run": ["sweep", "run", "configs/smoke.yaml"],
    "train": ["train", "configs/smoke.yaml", "--set", "intermediate.mixture={mnli: 1.0}"],
}


def _run(command: str, uri: str, tmp_path):
    args = [sys.executable, "-m", "sweep", *COMMANDS[command], "--set", f"tracking.uri={uri}",
            "--set", f"storage.path={tmp_path / 'runs'}"]
    if command == "train":
        args += ["--out", str(tmp_path / "out")]
    started = time.monotonic()
    done = subprocess.run(args, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "MLFLOW_TRACKING_URI": ""})
    return done, time.monotonic() - started


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_refused_connection(command, tmp_path):
    uri = f"http://127.0.0.1:{_closed_port()}"
    done, seconds = _run(command, uri, tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"tracking.uri {uri}: no MLflow server answers there" in done.stderr
    assert "Traceback" not in done.stderr
    assert seconds < 10
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()
    assert "Ray instance" not in done.stderr + done.stdout


def test_server_that_never_answers(silent_server, tmp_path):
    done, seconds = _run("sweep run", silent_server, tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"tracking.uri {silent_server}: no MLflow server answers there (timed out)" in done.stderr
    assert seconds < 10
