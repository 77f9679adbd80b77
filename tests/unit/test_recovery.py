"""sweep.recovery on real processes: what a dead driver recorded is ended by pid and start
time, a live driver is never touched, a recycled pid is never hit."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import psutil
import pytest

from evaluation.errors import XmixError
from sweep import recovery

STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('up', flush=True); time.sleep(300)")


def _identity(pid: int) -> list:
    return [pid, psutil.Process(pid).create_time()]


def _dead_identity() -> list:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(ended.pid).create_time()
    ended.wait()
    return [ended.pid, started]


def _record(folder, driver, processes) -> None:
    (folder / recovery.DRIVER_FILE).write_text(json.dumps(
        {"host": socket.gethostname(), "driver": driver, "processes": processes, "written": time.time()}))


def _stubborn() -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "up"  # its SIGTERM handler is in place
    return process


def test_a_dead_drivers_processes_are_ended_even_when_they_ignore_sigterm(tmp_path):
    left = _stubborn()
    try:
        _record(tmp_path, _dead_identity(), [_identity(left.pid)])
        note = recovery.recover(tmp_path, "demo", None, None)
        # SIGTERM was ignored, so SIGKILL after the grace period (psutil reaped it: no exit code here).
        left.wait(timeout=10)
        assert not psutil.pid_exists(left.pid) or psutil.Process(left.pid).status() == psutil.STATUS_ZOMBIE
        assert "ended 1 process(es)" in note
        assert not (tmp_path / recovery.DRIVER_FILE).exists()
    finally:
        left.kill()


def test_a_recycled_pid_is_not_hit(tmp_path):
    bystander = _stubborn()
    try:
        pid, started = _identity(bystander.pid)
        _record(tmp_path, _dead_identity(), [[pid, started - 100.0]])  # same pid, another process
        assert "ended 0 process(es)" in recovery.recover(tmp_path, "demo", None, None)
        assert bystander.poll() is None
    finally:
        bystander.kill()


def test_a_live_driver_is_refused_and_left_alone(tmp_path):
    driver = _stubborn()
    try:
        _record(tmp_path, _identity(driver.pid), [])
        with pytest.raises(XmixError, match=f"still running \\(driver pid {driver.pid}\\)"):
            recovery.recover(tmp_path, "demo", None, None)
        assert driver.poll() is None and (tmp_path / recovery.DRIVER_FILE).exists()
    finally:
        driver.kill()


def test_the_record_lists_this_process_and_its_children_and_a_clean_stop_removes_it(tmp_path):
    child = _stubborn()
    try:
        record = recovery.DriverRecord(tmp_path).start()
        written = json.loads((tmp_path / recovery.DRIVER_FILE).read_text())
        assert written["driver"][0] == psutil.Process().pid
        assert child.pid in [pid for pid, _ in written["processes"]]
        record.stop()
        assert not (tmp_path / recovery.DRIVER_FILE).exists()
        assert recovery.recover(tmp_path, "demo", None, None) is None
    finally:
        child.kill()
