"""``xmix``: the command line. Exit 0 ok, 1 the work failed, 2 bad input (no traceback)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from evaluation.errors import XmixError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Search mixtures of English and non-English intermediate tasks on XTREME-R.")
sweep_app = typer.Typer(no_args_is_help=True, help="Run sweeps.")
app.add_typer(sweep_app, name="sweep")

SetOption = typer.Option(None, "--set", help="Override a spec field: --set search.trials=4 (repeatable).")


class WorkFailed(Exception):
    """The work itself failed (a trial crashed): exit 1."""


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1") if not os.environ.get("XMIX_ALLOW_HUB") else None
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "1")
    # The sweep summary reads every trial's scores.json: one MLflow download bar each buried it.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def _load_reachable(spec: Path, overrides):
    """The spec, and its MLflow server answering: asked before Ray, MLflow and torch load,
    so a dead server is said in seconds (xmix train logs nothing to MLflow, but the spec
    it re-runs names the server its sweep logs to)."""
    from sweep.reach import absolute_tracking_uri, require_reachable
    from sweep.spec import load_spec

    loaded = load_spec(spec, overrides or [])
    require_reachable(absolute_tracking_uri(loaded.tracking_uri()))
    return loaded


@app.command()
def validate(spec: Path, set_: Optional[List[str]] = SetOption,
             address: Optional[str] = typer.Option(None, help="The Ray cluster it will run on: a remote one "
                                                   "needs an MLflow server and shared storage.")) -> None:
    """Check a spec, that every file it needs exists and that its MLflow server answers."""
    loaded = _load_reachable(spec, set_)
    from sweep.outcome import zero_shot_note
    from sweep.remote_checks import check_remote_compatible
    from sweep.validate import build_plan
    from training.data import check_plan_leakage, leakage_line
    from training.zero_shot import zero_shot_problems

    if address:
        check_remote_compatible(loaded, address)
    plan = build_plan(loaded, local=False if address else None)
    note = zero_shot_note(zero_shot_problems(plan.sources, [(t.name, t.languages) for t in plan.targets]))
    if note:
        typer.echo(note)
    # The same guards `sweep run` applies: a spec that validates also starts.
    typer.echo(leakage_line(check_plan_leakage(plan)))
    targets = ", ".join(f"{t.name}({len(t.languages)} languages, {t.split or 'search/report sets'})"
                        for t in plan.targets)
    typer.echo(f"{spec}: ok: {len(loaded.intermediate.sources)} sources, targets {targets}, "
               f"tracking {loaded.tracking_uri()}")


@sweep_app.command("run")
def sweep_run(spec: Path, set_: Optional[List[str]] = SetOption) -> None:
    """Run a sweep to the end and print where to look."""
    loaded = _load_reachable(spec, set_)
    from sweep.validate import build_plan

    plan = build_plan(loaded)  # before Ray and Tune load: a bad spec is said in seconds
    from sweep.driver import SweepInterrupted, run_sweep

    try:
        summary = run_sweep(loaded, plan)
    except SweepInterrupted as error:
        raise WorkFailed(str(error)) from None
    _print_summary(loaded, summary)
    if summary["failed"]:
        raise WorkFailed(f"{summary['failed']} trial(s) failed; see their errors above and the "
                         "xmix.error tag of their MLflow runs")


@sweep_app.command("resume")
def sweep_resume(name: str, storage: Path = typer.Option(Path("runs"), help="The sweep's storage.path.")) -> None:
    """Finish an interrupted sweep: finished trials are kept, the rest run."""
    from sweep.driver import SweepInterrupted, resume_sweep

    try:
        summary = resume_sweep(name, str(storage))
    except SweepInterrupted as error:
        raise WorkFailed(str(error)) from None
    _print_summary(summary["spec"], summary)
    if summary["failed"]:
        raise WorkFailed(f"{summary['failed']} trial(s) failed; see the xmix.error tag of their MLflow runs")


def _print_summary(spec, summary: dict) -> None:
    metric = f"search/{spec.search.metric}"
    typer.echo(f"\nsweep {spec.name}: {len(summary['runs'])} trials finished, {summary['failed']} failed")
    typer.echo(f"{'trial':<28} {'baseline':<18} {metric:>22}")
    for run in summary["runs"]:
        typer.echo(f"{run.info.run_name:<28} {run.data.tags.get('xmix.baseline', ''):<18} "
                   f"{run.data.metrics.get(metric, float('nan')):>22.2f}")
    best = summary["best_run"]
    mixture = {k[4:]: float(v) for k, v in best.data.params.items() if k.startswith("mix/")}
    typer.echo(f"\nbest by search objective: {best.info.run_name} {metric} = {summary['best_score']:.2f} "
               "(selected on the search sets: not an estimate of its gain)")
    typer.echo("its mixture: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(mixture.items(), key=lambda i: -i[1])
                                           if v > 0))
    for line in summary.get("warnings", []):
        typer.echo(f"warning: {line}", err=True)
    analysis = summary.get("analysis")
    if analysis and analysis.get("mean_spearman") is not None:
        typer.echo(f"gain over english_only vs lexical similarity: mean Spearman rho {analysis['mean_spearman']:.2f} "
                   f"over {len(analysis['cells'])} (task, language) cells, permutation p = {analysis['p_value']:.3g}, "
                   f"n = {analysis['n_trials']} trials")
    if summary.get("verdict"):
        from sweep.verdict import verdict_markdown

        typer.echo("\n" + verdict_markdown(summary["verdict"]))
    elif spec.search.confirm is None:
        typer.echo("\nno verdict: search.confirm is not set, so nothing was re-run on the held-out report sets")
    uri = summary["tracking_uri"]
    if uri.startswith(("http://", "https://")):
        typer.echo(f"\ninspect:  open {uri} in a browser (experiment {spec.tracking.experiment!r}, run {spec.name!r})")
    else:
        typer.echo(f"\ninspect:  mlflow ui --backend-store-uri {uri}   (then open http://127.0.0.1:5000)")
    typer.echo(f"export:   xmix export {spec.name} --out best.yaml   then   xmix train best.yaml --out best-run")


@app.command()
def train(spec: Path, out: Path = typer.Option(Path("xmix-train"), help="Folder for the score files."),
          set_: Optional[List[str]] = SetOption) -> None:
    """Train and evaluate one fixed mixture (intermediate.mixture): OUT/scores.json (the held-out
    report sets) and OUT/scores-search.json (the search sets a sweep selected on)."""
    from dataclasses import replace

    loaded = _load_reachable(spec, set_)
    from sweep.validate import build_plan

    if loaded.intermediate.mixture is None:
        raise XmixError(f"{spec}: intermediate.mixture: xmix train needs a fixed mixture {{source: weight}} "
                        "(xmix export writes one; xmix sweep run searches it)")
    plan = build_plan(loaded)
    from evaluation.scores import objective
    from sweep.driver import ensure_ray, storage_root
    from training.data import check_plan_leakage, leakage_line
    from training.plan import REPORT, SEARCH
    from training.trainer import run_trial_plan

    plan = replace(plan, sources=tuple(s for s, w in plan.mixture.items() if w > 0), roles=(SEARCH, REPORT))
    typer.echo(leakage_line(check_plan_leakage(plan)))
    if plan.runner == "ray_train":
        ensure_ray(1)
    outcome, _ = run_trial_plan(plan, run_name=f"{loaded.name}-train", storage_path=storage_root(loaded))
    out.mkdir(parents=True, exist_ok=True)
    tasks = [t.name for t in plan.targets]
    for role, name in ((REPORT, "scores.json"), (SEARCH, "scores-search.json")):
        scores = outcome.scores[role]
        (out / name).write_text(json.dumps(scores, indent=2, ensure_ascii=False), encoding="utf-8")
        per_task = ", ".join(f"{task} {entry['score']:.2f}" for task, entry in scores["tasks"].items())
        typer.echo(f"{loaded.name}: {role} sets: xtreme_r/score {objective(scores, tasks):.2f} ({per_task})")
    for cell in outcome.degenerate:
        typer.echo(f"warning: degenerate: {cell} gave one answer for every example", err=True)
    typer.echo(f"wrote {out / 'scores.json'} (report sets) and {out / 'scores-search.json'} (search sets) "
               f"in {outcome.timing['total_s']:.0f} s")


@app.command()
def export(sweep: str, out: Path = typer.Option(..., help="Where to write the fixed-mixture spec."),
           tracking_uri: Optional[str] = typer.Option(None, help="Default: $MLFLOW_TRACKING_URI, else "
                                                      "sqlite:///mlflow.db"),
           experiment: str = typer.Option("xmix", help="MLflow experiment of the sweep.")) -> None:
    """Write the best trial of SWEEP as a spec that `xmix train` re-runs."""
    from sweep.export import export_best

    from sweep.reach import require_reachable

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"
    require_reachable(uri)
    raw = export_best(sweep, out, uri, experiment)
    provenance = raw["provenance"]
    typer.echo(f"wrote {out}: trial {provenance['trial_id']} (run {provenance['mlflow_run_id']}), "
               f"{provenance['metric']} = {provenance['score']:.2f}")


@app.command()
def sources() -> None:
    """List the known stage-1 sources."""
    import training.sources  # noqa: F401
    from training.sources import SOURCES

    from sweep.data_source import folders_of_source

    for name, source in SOURCES.items():
        typer.echo(f"{name:<16} {source.language:<4} {source.format.value:<16} {source.description}")
        typer.echo(f"{'':<16} hub: {_hub_copies(folders_of_source(name))}")


@app.command()
def targets(data_root: Optional[Path] = typer.Option(None, help="Default: $XMIX_DATA, else ../shared/data")) -> None:
    """List the known targets with the languages available in the data root."""
    from evaluation.targets import TARGETS
    from sweep.spec import DataSpec

    from sweep.data_source import folders_of_target

    root = DataSpec(root=str(data_root) if data_root else None).resolved_root()
    for name, target in TARGETS.items():
        for split in target.splits:
            languages = target.available_languages(root, split)
            typer.echo(f"{name:<8} {split:<5} {target.format.value:<15} {' '.join(languages)}")
        typer.echo(f"{'':<8} hub: {_hub_copies(folders_of_target(name))}")


def _hub_copies(folders) -> str:
    """The hub datasets behind ``folders``, or why a folder has none (data.source: hub)."""
    from evaluation.hub import NO_HUB_COPY, bindings_of

    said = []
    for folder in sorted(folders):
        if folder in NO_HUB_COPY:
            said.append(f"{folder}/ has no hub copy ({NO_HUB_COPY[folder]}): read from data.root")
            continue
        bound = bindings_of([folder])
        configs = sorted({(b.dataset, b.config or "default") for b in bound})
        shown = ", ".join(f"{d} {c}" for d, c in configs[:3]) + (f" (+{len(configs) - 3})" if len(configs) > 3 else "")
        said.append(f"{folder}/ <- {shown}" if bound else f"{folder}/ not bound")
    return "; ".join(said)


def main() -> None:
    _quiet_libraries()
    try:
        # Standalone mode: click answers usage errors itself (exit 2) and exits 0 on success.
        app(prog_name="xmix")
    except XmixError as error:
        typer.echo(f"xmix: error: {error}", err=True)
        sys.exit(2)
    except WorkFailed as error:
        typer.echo(f"xmix: failed: {error}", err=True)
        sys.exit(1)


def _register_subcommands() -> None:
    """Cluster and scoring commands live in their own modules, one job each."""
    from sweep.cli_cluster import register as register_cluster_commands
    from sweep.cli_data import register as register_data_commands
    from sweep.cli_score import register as register_score_command

    register_cluster_commands(app)
    register_score_command(app)
    register_data_commands(app)


_register_subcommands()
