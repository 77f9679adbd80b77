"""``xmix submit | status | logs | stop``: the Ray Jobs commands, registered on the main app.

Kept out of ``sweep/cli.py`` so the local commands do not grow with the cluster
ones; ``cli.py`` calls ``register(app)``. Exit codes follow the CLI contract:
2 for bad input or an unreachable address (XmixError, raised by sweep.submit),
1 when the job itself failed.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

# Ray's own variables, in the order Ray's job CLI reads them.
ADDRESS_HELP = "Ray dashboard URL, e.g. http://127.0.0.1:8265. Default: $RAY_API_SERVER_ADDRESS, else $RAY_ADDRESS."


def _address_option():
    return typer.Option(None, "--address", envvar=["RAY_API_SERVER_ADDRESS", "RAY_ADDRESS"], help=ADDRESS_HELP,
                        show_envvar=False)


def submit(spec: Path,
           address: Optional[str] = _address_option(),
           set_: Optional[List[str]] = typer.Option(None, "--set", help="Override a spec field (repeatable)."),
           runtime_env: Optional[Path] = typer.Option(
               None, "--runtime-env", help="YAML merged into the job's runtime env, e.g. cluster/runtime_env.yaml "
               "to pip-install the project on a cluster whose image lacks it."),
           tracking_check: bool = typer.Option(
               True, "--tracking-check/--no-tracking-check",
               help="GET <tracking.uri>/health from here first; turn off when only the cluster can reach it.")) -> None:
    """Submit SPEC as a Ray job (`xmix sweep run SPEC` on the cluster); prints the submission id."""
    from sweep.submit import submit as submit_job

    submission = submit_job(spec, address, set_ or [], runtime_env, check_tracking=tracking_check)
    where = "remote cluster" if submission.cluster_is_remote else "local head"
    typer.echo(f"submitted {submission.submission_id} to {submission.address} (Ray {submission.ray_version}, "
               f"{where})")
    typer.echo(f"entrypoint: {submission.entrypoint}")
    typer.echo(f"follow:     xmix logs {submission.submission_id} --address {submission.address} --follow")
    typer.echo(f"status:     xmix status {submission.submission_id} --address {submission.address}")
    typer.echo(submission.submission_id)  # alone on the last line: ID=$(xmix submit ... | tail -n 1)


def status(submission_id: str = typer.Argument(..., metavar="ID"), address: Optional[str] = _address_option()) -> None:
    """Print the job's status; exit 1 with its last log lines when it FAILED."""
    from sweep.submit import status as job_status

    report = job_status(submission_id, address)
    typer.echo(f"{report.submission_id}: {report.status}")
    if report.status != "FAILED":
        if report.message:
            typer.echo(report.message)
        return
    typer.echo(report.message.splitlines()[0] if report.message else "", err=True)
    typer.echo(f"--- last {len(report.log_tail)} log lines ---", err=True)
    for line in report.log_tail:
        typer.echo(line, err=True)
    raise typer.Exit(1)


def logs(submission_id: str = typer.Argument(..., metavar="ID"), address: Optional[str] = _address_option(),
         follow: bool = typer.Option(False, "--follow", "-f", help="Stream until the job ends.")) -> None:
    """Print the job's log (driver output: Tune's progress table, trial errors)."""
    from sweep.submit import logs as job_logs

    job_logs(submission_id, address, follow, write=lambda text: typer.echo(text, nl=False))


def stop(submission_id: str = typer.Argument(..., metavar="ID"), address: Optional[str] = _address_option()) -> None:
    """Ask the job to stop (SIGTERM, then SIGKILL after Ray's grace period)."""
    from sweep.submit import stop as stop_job

    if stop_job(submission_id, address):
        typer.echo(f"{submission_id}: stop requested; `xmix status {submission_id}` shows when it has STOPPED")
    else:
        typer.echo(f"{submission_id}: already finished, nothing to stop")


def register(app: typer.Typer) -> None:
    for command in (submit, status, logs, stop):
        app.command(command.__name__)(command)
