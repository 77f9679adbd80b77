"""What a dead sweep driver leaves behind, and ending it on the next run or resume.

A driver killed with SIGKILL runs no cleanup: its MLflow runs stay RUNNING and the
Ray processes it started that outlive their parent (the raylet's DashboardAgent and
RuntimeEnvAgent, which also ignore SIGTERM) stay up. The driver therefore records
its own pid and the pids of the processes under it in ``xmix-driver.json`` beside
the sweep's state, refreshed while it runs. The next ``xmix sweep resume`` (or
``sweep run`` of the same name) ends exactly those processes, matched by pid *and*
start time so that a recycled pid is never hit, and marks the dead attempt's
RUNNING runs KILLED; the trials Tune re-runs then adopt their child runs again
(``tracking.start_trial_run``, also for trials Tune had not yet saved).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import psutil

from evaluation.errors import XmixError
from sweep import tracking

DRIVER_FILE = "xmix-driver.json"
REFRESH_S = 10.0  # Train workers and trial actors come and go: re-list them this often
TERM_GRACE_S = 3.0


def _identity(process: psutil.Process) -> list:
    return [process.pid, process.create_time()]


def _snapshot(me: psutil.Process) -> dict:
    descendants = []
    for child in me.children(recursive=True):
        try:
            descendants.append(_identity(child))
        except psutil.Error:  # ended while we listed it
            continue
    return {"host": socket.gethostname(), "driver": _identity(me), "processes": descendants,
            "written": time.time()}


def _write(path: Path, record: dict) -> None:
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(record))
    staging.replace(path)


class DriverRecord:
    """Keeps ``<sweep folder>/xmix-driver.json`` current while this process drives the sweep."""

    def __init__(self, folder: Path):
        self.path = folder / DRIVER_FILE
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, name="xmix-driver-record", daemon=True)

    def start(self) -> "DriverRecord":
        self.write()
        self._thread.start()
        return self

    def write(self) -> None:
        _write(self.path, _snapshot(self._me))

    def _refresh(self) -> None:
        while not self._stop.wait(REFRESH_S):
            try:
                self.write()
            except OSError:  # the storage went away for a moment: the next refresh retries
                continue

    def stop(self) -> None:
        """A clean end: nothing is left for a later run to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=REFRESH_S)  # a refresh in flight would write the file again
        self.path.unlink(missing_ok=True)


def _alive(identity) -> psutil.Process | None:
    pid, started = identity
    try:
        process = psutil.Process(pid)
        return process if abs(process.create_time() - started) < 1e-3 else None
    except psutil.Error:
        return None


def end_processes(identities) -> list[int]:
    """SIGTERM, then SIGKILL what is still up after a grace period. Returns the pids ended."""
    found = [p for p in (_alive(i) for i in identities) if p is not None and p.pid != os.getpid()]
    for process in found:
        try:
            process.send_signal(signal.SIGTERM)
        except psutil.Error:
            continue
    _, still = psutil.wait_procs(found, timeout=TERM_GRACE_S)
    for process in still:
        try:
            process.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(still, timeout=TERM_GRACE_S)
    return [p.pid for p in found]


def recover(folder: Path, sweep: str, tracking_uri: str | None, parent_run_id: str | None) -> str | None:
    """Ends what a dead driver of this sweep left; refuses while that driver still runs.
    Returns a line for the user, or None when there was nothing to recover."""
    path = folder / DRIVER_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        path.unlink(missing_ok=True)
        return None
    if record.get("host") != socket.gethostname():
        return (f"sweep {sweep}: its last driver ran on {record.get('host')}; processes it left there "
                "cannot be ended from here")
    driver = _alive(record["driver"])
    if driver is not None:
        raise XmixError(f"sweep {sweep} is still running (driver pid {driver.pid}); stop it first "
                        "(Ctrl-C, or kill that pid), then resume")
    ended = end_processes(record.get("processes", []))
    stale = mark_stale_runs(tracking_uri, parent_run_id) if tracking_uri and parent_run_id else 0
    path.unlink(missing_ok=True)
    return (f"sweep {sweep}: its last driver (pid {record['driver'][0]}) died; ended {len(ended)} process(es) "
            f"it left and marked {stale} RUNNING run(s) KILLED")


def mark_stale_runs(tracking_uri: str, parent_run_id: str) -> int:
    """The dead attempt's RUNNING child runs become KILLED (a re-run trial adopts its run
    again); the parent stays RUNNING, since this sweep goes on."""
    client = tracking.client_for(tracking_uri)
    stale = [r for r in tracking.trial_runs(client, parent_run_id, finished_only=False, phase=None)
             if r.info.status == "RUNNING"]
    for run in stale:
        tracking.fail_run(client, run.info.run_id, None, status="KILLED")
    return len(stale)
