"""MLQA: extractive QA with MLQA's language-aware answer normalisation.

Data: the 7 same-language MLQA *dev* files (``mlqa/dev-context-{lang}-question-{lang}.json``);
MLQA test is not offline (every file >= 4 MiB). Dev is also a stage-1 source
(``mlqa.<lang>``), so it is cut in two by question id (``evaluation.splits``):
the sources train on the "train-half", this target evaluates the "eval-half"
(``part``), and the leakage guard accepts the two as disjoint halves of lineage
``mlqa/dev``. About half of each dev file is therefore evaluated (official: the
full test set, ~4.5-11.6k questions per language).

Eval sets: the eval-half is cut once more, into search and report, by ``role_of``
of the question's paragraph group (``evaluation.splits.mlqa_groups``, the same
groups that make the train/eval cut), so a paragraph never sits in both sets and
a question is in the same set in every language. ``role_of`` is salted apart
from the train/eval hash, so both sets draw from the whole eval-half (about a
quarter of each dev file each).

Stage 2: TyDiQA-GoldP English train (official: SQuAD v1.1 train); see
``evaluation.targets.qa``. Metric: ``mlqa_evaluation_v1.py``'s normalisation for
the answer language (only MLQA's 7 languages are defined there).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from evaluation.errors import XmixError
from evaluation.examples import LanguageSpanExample
from evaluation.metrics import squad_scores
from evaluation.splits import EVAL_HALF, mlqa_groups, mlqa_halves
from evaluation.targets.qa import QA_KIND, mlqa_scores, mlqa_units, read_squad_checked
from evaluation.targets.registry import Target, register_target

FILE_PATTERN = "mlqa/{split}-context-{lang}-question-{lang}.json"


def _checked(table, root: Path):
    try:
        return table(Path(root))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise XmixError(f"{Path(root) / 'mlqa'}: malformed MLQA JSON ({type(error).__name__}: {error})") from None


def read_mlqa_eval_half(root: Path, language: str, split: str) -> list[LanguageSpanExample]:
    halves = _checked(mlqa_halves, root)
    examples = read_squad_checked(Path(root) / FILE_PATTERN.format(split=split, lang=language))
    return [LanguageSpanExample(e.qid, e.question, e.context, e.answers, language)
            for e in examples if halves.get(e.qid) == EVAL_HALF]


def _language(examples) -> str:
    languages = {e.language for e in examples}
    if len(languages) != 1:
        raise XmixError(f"mlqa: scoring needs the examples of one language, got {sorted(languages)}")
    return languages.pop()


def score_mlqa(examples, predicted) -> dict[str, float]:
    return mlqa_scores(_language(examples), examples, predicted)


def mlqa_unit_scores(examples, predicted):
    return mlqa_units(_language(examples), examples, predicted)


@dataclass(frozen=True)
class MLQATarget(Target):
    """The half key is the question's paragraph group, which needs every MLQA file of the data root."""

    def half_keys(self, root: Path, examples: Sequence[LanguageSpanExample]) -> list[str]:
        groups = _checked(mlqa_groups, root)
        return [groups[key] for key in super().half_keys(root, examples)]


MLQA = register_target(MLQATarget(
    name="mlqa",
    **QA_KIND,
    metric_fn=squad_scores,  # its third argument, the answer language, selects MLQA's normalisation
    file_patterns=(FILE_PATTERN,),
    read=read_mlqa_eval_half,
    score=score_mlqa,
    unit_scores=mlqa_unit_scores,
    splits=("dev",), default_split="dev",
    lineage_pattern="mlqa/{split}",
    part=EVAL_HALF,
    description="extractive QA, eval half of MLQA dev; EM and F1 with MLQA normalisation",
))
