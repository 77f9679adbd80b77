"""What a finished sweep says: degenerate targets, and the verdict on the research question.

Both read the sweep's child runs back from MLflow, so a resumed sweep reports on
every run, whichever process ran it.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from sweep import tracking
from sweep.analysis import language_score
from sweep.confirm import confirm_seeds, confirm_units, from_units, search_seeds
from sweep.spec import Spec


ZERO_SHOT = "xmix.zero_shot"


def degenerate_warnings(client, parent_run_id: str) -> list[str]:
    """A (target, language) whose predictions were one answer for every example in some run
    (tag ``xmix.degenerate`` on the run), or whose search score is identical in every trial.
    Tagged on the parent run (``xmix.degenerate``) and returned as printable lines."""
    lines, flagged = [], set()
    for phase in (tracking.SEARCH_PHASE, tracking.CONFIRM_PHASE):
        runs = tracking.trial_runs(client, parent_run_id, phase=phase)
        counts: dict[str, int] = defaultdict(int)
        for run in runs:
            for cell in filter(None, run.data.tags.get(tracking.DEGENERATE, "").split(",")):
                counts[cell.split("/", 1)[1]] += 1
        for cell, count in sorted(counts.items()):
            flagged.add(cell)
            lines.append(f"degenerate: {cell} gave one answer for every example in {count} of {len(runs)} "
                         f"{phase} runs")
        if phase == tracking.SEARCH_PHASE and len(runs) > 1:
            cells = sorted({tuple(k.split("/")[1:3]) for r in runs for k in r.data.metrics
                            if k.startswith("search/") and k.count("/") == 3})
            for task, language in cells:
                values = {language_score(r.data.metrics, task, language) for r in runs}
                if len(values) == 1 and None not in values:
                    flagged.add(f"{task}/{language}")
                    lines.append(f"degenerate: {task}/{language} scored {values.pop():.2f} in every one of "
                                 f"{len(runs)} search trials")
    if flagged:
        client.set_tag(parent_run_id, tracking.DEGENERATE, ",".join(sorted(flagged)))
    return lines


def zero_shot_note(clashes: list[str]) -> str | None:
    """The line the verdict (and `xmix validate`) carries when the opt-in let clashes through."""
    if not clashes:
        return None
    return ("NOT zero-shot: intermediate.allow_in_language_target_task is set and a source trains a target's "
            "task in a language the target evaluates: " + "; ".join(c.split(": not zero-shot")[0] for c in clashes))


def zero_shot_tags(clashes: list[str]) -> dict[str, str]:
    if not clashes:
        return {ZERO_SHOT: "strict"}
    return {ZERO_SHOT: "in-language target task allowed", ZERO_SHOT + "_clashes": "\n".join(clashes)}


def verdict_notes(client, parent_run_id: str, spec: Spec, best_mixed: str, warnings: list[str]) -> list[str]:
    tags = client.get_run(parent_run_id).data.tags
    clashes = list(filter(None, tags.get(ZERO_SHOT + "_clashes", "").split("\n")))
    notes = [note for note in (zero_shot_note(clashes),) if note]
    search = spec.search
    notes.append(f"selection: {best_mixed} is the best mixed-language mixture by the search objective "
                 f"({search.trials} trials on the search sets, seeds {list(search_seeds(spec))}, {search.sampler} "
                 f"modelling the results once {search.startup_trials} trials had finished); every number above "
                 f"comes from confirmation runs on the held-out report sets with fresh seeds "
                 f"{list(confirm_seeds(spec))}")
    return notes + warnings


def log_verdict(client, spec: Spec, context, best_mixed: str, warnings: list[str]) -> dict:
    """verdict.json, verdict.md and verdict.png on the parent run, from the confirmation runs only."""
    from sweep.verdict import build_verdict, verdict_figure, verdict_markdown  # scipy, matplotlib: only here

    parent_run_id = context.parent_run_id
    runs = tracking.trial_runs(client, parent_run_id, phase=tracking.CONFIRM_PHASE)
    units = confirm_units(client, runs)
    verdict = build_verdict(units, from_units(spec.targets), best_mixed,
                            notes=verdict_notes(client, parent_run_id, spec, best_mixed, warnings))
    client.log_dict(parent_run_id, verdict, "verdict.json")
    client.log_text(parent_run_id, verdict_markdown(verdict), "verdict.md")
    with tempfile.TemporaryDirectory() as folder:
        client.log_artifact(parent_run_id, str(verdict_figure(verdict, Path(folder) / "verdict.png")))
    return verdict
