"""MLQA: extractive QA with MLQA's language-aware answer normalisation.

Data: the 7 same-language MLQA *dev* files (``mlqa/dev-context-{lang}-question-{lang}.json``);
MLQA test is not offline (every file >= 4 MiB). Dev is also a stage-1 source
(``mlqa.<lang>``), so it is cut in two by question id (``evaluation.splits``):
the sources train on the "train-half", this target evaluates the "eval-half"
(``part``), and the leakage guard accepts the two as disjoint halves of lineage
``mlqa/dev``. About half of each dev file is therefore evaluated (official: the
full test set, ~4.5-11.6k questions per language).

Stage 2: TyDiQA-GoldP English train (official: SQuAD v1.1 train); see
``evaluation.targets.qa``. Metric: ``mlqa_evaluation_v1.py``'s normalisation for
the answer language (only MLQA's 7 languages are defined there).
"""
from __future__ import annotations

from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import Format, LanguageSpanExample
from evaluation.splits import EVAL_HALF, mlqa_halves
from evaluation.targets.qa import QA_STAGE2, mlqa_scores, read_squad_checked
from evaluation.targets.registry import Target, register_target


def read_mlqa_eval_half(root: Path, language: str, split: str) -> list[LanguageSpanExample]:
    try:
        halves = mlqa_halves(Path(root))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise XmixError(f"{Path(root) / 'mlqa'}: malformed MLQA JSON ({type(error).__name__}: {error})") from None
    examples = read_squad_checked(Path(root) / f"mlqa/{split}-context-{language}-question-{language}.json")
    return [LanguageSpanExample(e.qid, e.question, e.context, e.answers, language)
            for e in examples if halves.get(e.qid) == EVAL_HALF]


def score_mlqa(examples, predicted) -> dict[str, float]:
    languages = {e.language for e in examples}
    if len(languages) != 1:
        raise XmixError(f"mlqa: scoring needs the examples of one language, got {sorted(languages)}")
    return mlqa_scores(languages.pop(), examples, predicted)


MLQA = register_target(Target(
    name="mlqa",
    format=Format.EXTRACTIVE_QA,
    file_patterns=("mlqa/{split}-context-{lang}-question-{lang}.json",),
    read=read_mlqa_eval_half,
    score=score_mlqa,
    splits=("dev",),
    default_split="dev",
    stage2=QA_STAGE2,
    lineage_pattern="mlqa/{split}",
    part=EVAL_HALF,
    description="extractive QA, eval half of MLQA dev; EM and F1 with MLQA normalisation",
))
