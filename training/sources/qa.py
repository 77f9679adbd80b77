"""Extractive QA sources: SQuAD v2.0/v1.1 train, TyDiQA-GoldP train, MLQA dev (train half).

All files are SQuAD JSON, read by ``evaluation.readers.read_squad`` (unanswerable
questions dropped). MLQA dev is shared with the MLQA target, so its sources keep only
the question ids that ``evaluation.splits.mlqa_halves`` puts in the train half.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import Format, SpanExample
from evaluation.families import EXTRACTIVE_QA
from evaluation.targets.qa import read_squad_checked, read_tydiqa_file
from evaluation.splits import MLQA_FILES, TRAIN_HALF, mlqa_file, mlqa_halves
from training.sources.registry import register

TYDIQA_LANGUAGES = ("en", "ko", "sw")  # the only GoldP train files available
MLQA_SOURCE_LANGUAGES = ("en", "ar", "de", "es", "hi", "vi", "zh")


def read_mlqa_train_half(data_root: Path, language: str) -> list[SpanExample]:
    # The split depends on every MLQA file (paragraph grouping), hence data_root, not one path.
    try:
        halves = mlqa_halves(Path(data_root))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise XmixError(f"{data_root / 'mlqa'}: malformed MLQA JSON ({type(error).__name__}: {error})") from None
    examples = read_squad_checked(Path(data_root) / mlqa_file(language))
    return [example for example in examples if halves[example.qid] == TRAIN_HALF]


_register = partial(register, family=EXTRACTIVE_QA, format=Format.EXTRACTIVE_QA)


# Both SQuAD files are cut from SQuAD *train* (XQuAD/LAReQA translate SQuAD v1.1 dev).
_register(name="squad2", language="en", files=("squad_v2/train-v2.0.first7articles.json",),
          read_one=read_squad_checked, lineage="squad/train",
          description="SQuAD 2.0 train, first 7 articles, answerable questions only (3077)")
_register(name="squad", language="en",
          files=("squad_v1.1/train-v1.1-style.from-v2.0-answerable.first8articles.json",),
          read_one=read_squad_checked, lineage="squad/train",
          description="SQuAD 1.1-style train, first 8 articles (derived from the 2.0 file; overlaps squad2)")

for _language in TYDIQA_LANGUAGES:
    _register(name=f"tydiqa.{_language}", language=_language, read_one=read_tydiqa_file,
              files=(f"tydiqa/tydiqa.goldp.{_language}.train.json",),
              # Written independently per language (no translations): one lineage each.
              lineage=f"tydiqa/train/{_language}",
              description=f"TyDiQA-GoldP train ({_language}), native questions with gold passages")

for _language in MLQA_SOURCE_LANGUAGES:
    # files lists every MLQA file: the half of a question depends on all of them.
    _files = (mlqa_file(_language),) + tuple(f for f in MLQA_FILES if f != mlqa_file(_language))
    _register(name=f"mlqa.{_language}", language=_language, files=_files,
              read=partial(read_mlqa_train_half, language=_language),
              lineage="mlqa/dev",
              description=f"MLQA dev ({_language}), train half of the question ids "
                          "(the eval half is for the MLQA target)",
              part=TRAIN_HALF)
