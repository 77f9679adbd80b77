"""``xmix score --predictions DIR --gold DIR``: prints the score JSON of ARCHITECTURE.md.

Kept out of ``sweep/cli.py`` so it can be added with one line there:
``register(app)``. Bad input raises ``XmixError``, which ``sweep.cli.main`` turns
into exit 2 with the message (file and line) and no traceback.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        predictions: Path = typer.Option(..., "--predictions",
                                         help="Folder of <task>/test-<lang>.<tsv|json|jsonl> predictions "
                                              "(XTREME v1 bucc2018/ and pawsx/ are skipped)."),
        gold: Path = typer.Option(..., "--gold", help="Folder of gold files in the same layout."),
    ) -> None:
        """Score prediction files against gold files in the XTREME folder layout."""
        from evaluation.score_files import score_directories

        scores = score_directories(predictions, gold, note=lambda message: typer.echo(f"xmix: note: {message}",
                                                                                      err=True))
        typer.echo(json.dumps(scores, indent=2, ensure_ascii=False))
