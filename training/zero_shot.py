"""Zero-shot guard: no stage-1 source may train a target's task in a language that target evaluates.

XTREME and XTREME-R define zero-shot cross-lingual transfer as fine-tuning on
English task data only and evaluating on the other languages (Hu et al. 2020,
arXiv 2003.11080; Ruder et al. 2021, arXiv 2104.07412). Intermediate tasks in
other languages are the research question of xmix, but the *same task family* in
a *target language* (Chinese NLI before XNLI zh, Japanese POS before UD-POS ja) is
translate-train-like supervision: a score gained that way answers a different
question. So a source whose family (``evaluation.families``) matches a target's
and whose language the target evaluates is refused, unless the spec opts in with
``intermediate.allow_in_language_target_task: true`` to study that setting.

English sources never clash: English task data is what the zero-shot setting
trains on (every target's stage 2 is English), and a target's English score is
in-language by construction, whatever stage 1 saw.

The leakage guard (``training.leakage``) is a different check: it refuses shared
*text*; this one refuses a shared (task, language) with different text.
"""
from __future__ import annotations

from typing import Sequence

from evaluation.errors import XmixError
from evaluation.families import DESCRIPTION
from evaluation.targets import TARGETS, Target
from training.sources import SOURCES, Source

# The language of the zero-shot setting's own training data (stage 2).
ZERO_SHOT_TRAINING_LANGUAGE = "en"
REMEDY = ("drop the source or the language, or set intermediate.allow_in_language_target_task: true "
          "to study that setting")


def iso_639_1(target: Target, data_code: str) -> str:
    """A target's data language code in the sources' ISO 639-1 (Tatoeba "deu" -> "de")."""
    spec_code_of = {data: spec for spec, data in target.language_aliases.items()}
    return spec_code_of.get(data_code, data_code)


def _clashes(source: Source, target: Target, languages: Sequence[str]) -> bool:
    if source.language == ZERO_SHOT_TRAINING_LANGUAGE or source.family != target.family:
        return False
    return source.language in {iso_639_1(target, code) for code in languages}


def _problem(index: int, source: Source, target_name: str) -> str:
    return (f"intermediate.sources[{index}]: {source.name} is {DESCRIPTION[source.family]} in {source.language} "
            f"and targets.{target_name} evaluates {source.language}: not zero-shot ({REMEDY})")


def zero_shot_problems(sources: Sequence[str], targets: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """One message per (source, target) clash, sources in spec order, then targets in spec order.

    ``sources``: the spec's intermediate.sources; ``targets``: (target name, canonical
    data language codes, as in ``training.plan.TargetPlan.languages``).
    """
    problems = []
    for index, source_name in enumerate(sources):
        source = SOURCES.get(source_name)
        for target_name, languages in targets:
            if _clashes(source, TARGETS.get(target_name), languages):
                problems.append(_problem(index, source, target_name))
    return problems


def check_zero_shot(sources: Sequence[str], targets: Sequence[tuple[str, Sequence[str]]],
                    allow: bool) -> list[str]:
    """Raise ``XmixError`` naming every clash unless ``allow``; return the clashes either way.

    The returned list lets an opted-in run tag and state what it trained in-language.
    """
    problems = zero_shot_problems(sources, targets)
    if problems and not allow:
        raise XmixError("\n".join(problems))
    return problems
