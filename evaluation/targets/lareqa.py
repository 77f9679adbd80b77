"""LAReQA (XQuAD-R): language-agnostic answer retrieval, mAP@20 per question language.

Data: google-research-datasets/lareqa ``lareqa/xquad-r.{lang}.json`` (11 languages,
1,190 questions each): SQuAD-style JSON whose paragraphs carry
``sentence_breaks``. As in xtreme's ``third_party/utils_lareqa.py``:

* the candidate pool is every sentence of every paragraph of *every* language file
  (13,014 offline), candidate id ``{lang}_{paragraph number}_{sentence position}``;
* a question's relevant candidates are the sentences that contain its answer, in
  every language that has the question (same question id): 11 per question here;
* questions whose answer start lies in no sentence are skipped (none offline).

The pool is built from whichever ``xquad-r.*.json`` files the data root holds, so
a new language joins both the queries and the pool. It is read once per data
root and shared by all languages' examples (``RankingExample.pool``).

Metric: ``evaluation.metrics.mean_average_precision_at_k`` with k = ``RANKING_K`` = 20 (XTREME-R's
mAP@20; see its docstring for how it differs from the paper's full mAP).

Deviations from XTREME-R:

* No stage 2. XTREME-R fine-tunes a dual encoder on SQuAD v1.1 English train
  (question encoder vs. answer encoder over sentence + paragraph); xmix has no
  retrieval head, and SQuAD v1.1 train is not offline. Like Tatoeba, the stage-1
  encoder's mean-pooled, L2-normalised embeddings are compared by cosine.
* A candidate is embedded from its sentence alone (no paragraph context), which
  suits a single shared encoder.
* ``eval_cap`` caps the questions per language, never the pool.

Eval sets: the questions are cut into search and report by ``role_of`` of the
question id (the same in every language, so a question is in one set
everywhere). The candidate pool stays whole for both sets: candidates are what
is ranked, not what is evaluated, and a smaller pool would make the task easier
and change its meaning. The report questions' answer sentences are therefore
also in the pool the search questions rank; no model is trained on them.

Lineage ``squad1.1/dev``: XQuAD-R is XQuAD re-segmented, i.e. SQuAD v1.1 dev.
"""
from __future__ import annotations

import functools
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import CandidatePool, RankingExample
from evaluation.metrics import RANKING_K, average_precision_units, mean_average_precision_at_k
from evaluation.readers import read_json
from evaluation.targets.ranking import RANKING_KIND
from evaluation.targets.registry import Target, register_target

FILE_PATTERN = "lareqa/xquad-r.{lang}.json"


def _language_of(path: Path) -> str:
    return path.name[len("xquad-r."):-len(".json")]


def _parse(path: Path, language: str):
    """[(xling id, question, answer candidate id)], [(candidate id, sentence)] for one file."""
    document = read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise XmixError(f"{path}: not XQuAD-R JSON (no top-level 'data' list)")
    questions, candidates = [], []
    paragraph_number = 0
    try:
        for article in document["data"]:
            for paragraph in article["paragraphs"]:
                paragraph_number += 1
                context = paragraph["context"]
                breaks = [(int(start), int(end)) for start, end in paragraph["sentence_breaks"]]
                uids = [f"{language}_{paragraph_number}_{position}" for position in range(len(breaks))]
                candidates.extend((uid, context[start:end]) for uid, (start, end) in zip(uids, breaks))
                for qa in paragraph["qas"]:
                    if len(qa["answers"]) != 1:
                        raise XmixError(f"{path}: question {qa['id']!r} has {len(qa['answers'])} answers; "
                                        "XQuAD-R has exactly one")
                    start = int(qa["answers"][0]["answer_start"])
                    position = next((i for i, (s, e) in enumerate(breaks) if s <= start < e), None)
                    if position is not None:  # as utils_lareqa.py: skip answers outside every sentence
                        questions.append((str(qa["id"]), qa["question"], uids[position]))
    except (KeyError, TypeError, ValueError) as error:
        raise XmixError(f"{path}: malformed XQuAD-R JSON ({type(error).__name__}: {error})") from None
    return questions, candidates


@functools.lru_cache(maxsize=2)
def _load(root: Path, files: tuple[tuple[str, float], ...]):
    """{language: questions}, answer ids by question id, and the shared pool."""
    questions, answers, pool_ids, pool_texts = {}, {}, [], []
    for name, _ in files:
        path = root / name
        language = _language_of(path)
        questions[language], candidates = _parse(path, language)
        for xling_id, _, uid in questions[language]:
            answers.setdefault(xling_id, []).append(uid)
        for uid, text in candidates:
            pool_ids.append(uid)
            pool_texts.append(text)
    pool = CandidatePool(f"lareqa: {len(files)} languages, {len(pool_ids)} sentences",
                         tuple(pool_ids), tuple(pool_texts))
    return questions, answers, pool


def read_lareqa(root: Path, language: str, split: str) -> list[RankingExample]:
    root = Path(root)
    path = root / FILE_PATTERN.format(lang=language)
    if not path.is_file():
        raise XmixError(f"{path}: file not found")
    files = tuple((p.relative_to(root).as_posix(), p.stat().st_mtime)
                  for p in sorted(root.glob(FILE_PATTERN.format(lang="*"))))
    questions, answers, pool = _load(root, files)
    return [RankingExample(xling_id, question, tuple(answers[xling_id]), pool)
            for xling_id, question, _ in questions[language]]


def score_lareqa(examples, ranked) -> dict[str, float]:
    return {"map@20": mean_average_precision_at_k(list(ranked), [e.relevant for e in examples], k=RANKING_K)}


def lareqa_units(examples, ranked):
    return average_precision_units(list(ranked), [e.relevant for e in examples], k=RANKING_K)


LAREQA = register_target(Target(
    name="lareqa",
    **RANKING_KIND,
    metric_fn=mean_average_precision_at_k,
    file_patterns=(FILE_PATTERN,),
    read=read_lareqa,
    score=score_lareqa,
    unit_scores=lareqa_units,
    splits=("test",), default_split="test",
    lineage_pattern="squad1.1/dev",
    description="answer-sentence retrieval from an 11-language pool; mAP@20",
))
