"""``xmix score``: score prediction files against gold files in the XTREME folder layout.

Both folders hold ``<task>/test-<lang>.<tsv|json|jsonl>``, the layout of
google-research/xtreme's ``evaluate.py``; the prediction folder decides which
tasks and languages are scored, and each needs its gold file. Formats per task:

============================  ==========================================  =========================================
task                          prediction file                             gold file
============================  ==========================================  =========================================
xnli                          ``.tsv``, one label per line                same (or the XTREME data file: the label
                                                                          is a line's last tab-separated field)
xcopa                         ``.tsv``, one choice index (0/1) per line   same, or the XCOPA ``.jsonl`` (``label``)
tatoeba                       ``.tsv``, one English line index per line   same
panx, udpos                   ``.tsv``, one tag per line, blank line      same (or token<TAB>tag data files)
                              between sentences
xquad, mlqa, tydiqa           ``.json`` ``{question id: answer text}``    SQuAD v1.1 JSON
mewslix, lareqa               ``.json`` ``{query id: [ranked ids]}``      ``.json`` ``{query id: [relevant ids]}``
============================  ==========================================  =========================================

Metrics come from ``evaluation.metrics`` (MLQA's normalisation uses the file's
language), aggregation from ``evaluation.scores.build_scores``.

Deliberate differences from ``evaluate.py``, which is stricter here on purpose:

* A line whose fields are tab-separated counts as its last field, so the data
  files themselves (``premise<TAB>hypothesis<TAB>label``, ``token<TAB>tag``) serve
  as gold; the official reader compares whole lines.
* Every prediction is checked: an unknown label or tag is an error naming file
  and line (the official script silently counts it wrong).
* QA and ranking files must cover exactly the gold ids. The official SQuAD and
  Mewsli-X scripts score a missing prediction as 0 and ignore extra ones; a
  missing prediction here is almost always the wrong file, so it is refused
  with both files and both counts, like a length mismatch in the other tasks.
* Runs of blank lines between tagged sentences are one separator (the official
  ``read_tag`` would read an empty sentence for each extra blank line).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

from evaluation.errors import XmixError
from evaluation.metrics import (accuracy, mean_average_precision_at_k, mrr_at_k, retrieval_accuracy,
                                squad_scores, tagging_scores)
from evaluation.readers import read_json, read_jsonl
from evaluation.scores import XTREME_R_TASKS, build_scores
from evaluation.targets.panx import PANX_LABELS
from evaluation.targets.udpos import UPOS_TAGS
from evaluation.targets.xnli import NLI_LABELS

RANKING_K = 20  # XTREME-R's map@20 for LAReQA and Mewsli-X
_LANGUAGE_FILE = re.compile(r"test-(?P<lang>[^/.]+)\.(?P<ext>tsv|jsonl|json)")

Metrics = dict[str, float]
Scorer = Callable[[Path, Path, str], Metrics]


# --- reading ---------------------------------------------------------------

def _text_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line without its newline); trailing blank lines dropped."""
    if not path.is_file():
        raise XmixError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise XmixError(f"{path}: not UTF-8 text (byte {error.start})") from None
    lines = list(enumerate(text.splitlines(), start=1))
    while lines and not lines[-1][1].strip():
        lines.pop()
    return lines


def _last_field(line: str) -> str:
    return line.rsplit("\t", 1)[-1].strip()


def read_labels(path: Path, allowed: Collection[str] | None = None) -> list[str]:
    """One label per line (``.tsv``), or the ``label`` field of each line (``.jsonl``)."""
    labels: list[str] = []
    if path.suffix == ".jsonl":
        for line_number, record in read_jsonl(path):
            if not isinstance(record, dict) or "label" not in record:
                raise XmixError(f"{path}:{line_number}: expected a JSON object with a 'label' field")
            labels.append(_checked(str(record["label"]).strip(), allowed, path, line_number))
        return labels
    for line_number, line in _text_lines(path):
        if not line.strip():
            raise XmixError(f"{path}:{line_number}: empty line (expected one label per line)")
        labels.append(_checked(_last_field(line), allowed, path, line_number))
    return labels


def _checked(label: str, allowed: Collection[str] | None, path: Path, line_number: int) -> str:
    if allowed is not None and label not in allowed:
        raise XmixError(f"{path}:{line_number}: unknown label {label!r} (allowed: {', '.join(allowed)})")
    return label


def read_indices(path: Path) -> list[int]:
    """Tatoeba: one non-negative integer per line."""
    indices = []
    for line_number, line in _text_lines(path):
        value = _last_field(line)
        if not value.isdigit():
            raise XmixError(f"{path}:{line_number}: expected a non-negative integer index, got {value!r}")
        indices.append(int(value))
    return indices


def read_tag_sentences(path: Path, allowed: Collection[str]) -> list[tuple[int, list[str]]]:
    """(first line number, tags) per sentence; a line's tag is its last tab-separated field."""
    sentences: list[tuple[int, list[str]]] = []
    start, tags = 0, []
    for line_number, line in _text_lines(path):
        if not line.strip():
            if tags:
                sentences.append((start, tags))
                tags = []
            continue
        if not tags:
            start = line_number
        tags.append(_checked(_last_field(line), allowed, path, line_number))
    if tags:
        sentences.append((start, tags))
    return sentences


def read_squad_answers(path: Path) -> dict[str, list[str]]:
    """SQuAD v1.1 JSON -> {question id: [gold answer texts]} in file order."""
    document = read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise XmixError(f"{path}: not SQuAD JSON (no top-level 'data' list)")
    answers: dict[str, list[str]] = {}
    try:
        for article in document["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    qid = str(qa["id"])
                    texts = [a["text"] for a in qa["answers"]]
                    if not texts or not all(isinstance(t, str) for t in texts):
                        raise XmixError(f"{path}: question {qid!r} has no gold answer text")
                    if qid in answers:
                        raise XmixError(f"{path}: question id {qid!r} occurs twice")
                    answers[qid] = texts
    except (KeyError, TypeError) as error:
        raise XmixError(f"{path}: malformed SQuAD JSON ({type(error).__name__}: {error})") from None
    return answers


def read_id_map(path: Path, value_kind: str) -> dict[str, object]:
    """A JSON object keyed by id; values are answer strings ("text") or id lists ("ids")."""
    document = read_json(path)
    if not isinstance(document, dict):
        raise XmixError(f"{path}: expected a JSON object keyed by id, got {type(document).__name__}")
    for key, value in document.items():
        if value_kind == "text" and not isinstance(value, str):
            raise XmixError(f"{path}: the prediction for {key!r} must be a string, got {value!r:.80}")
        if value_kind == "ids" and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise XmixError(f"{path}: the value for {key!r} must be a list of id strings, got {value!r:.80}")
    return document


# --- pairing predictions with gold -----------------------------------------------

def _same_length(pred_path: Path, predicted: Sequence, gold_path: Path, gold: Sequence, what: str) -> None:
    if len(predicted) != len(gold):
        raise XmixError(f"{pred_path} has {len(predicted)} {what} but {gold_path} has {len(gold)}; "
                        "expected one prediction per gold example")


def _same_ids(pred_path: Path, predicted: Mapping, gold_path: Path, gold: Mapping, what: str) -> None:
    _same_length(pred_path, list(predicted), gold_path, list(gold), what)
    missing = [key for key in gold if key not in predicted]
    if missing:
        unexpected = [key for key in predicted if key not in gold]
        raise XmixError(f"{pred_path} and {gold_path} both have {len(gold)} {what} but different ids: "
                        f"{len(missing)} gold id(s) without a prediction (e.g. {missing[0]!r}), "
                        f"{len(unexpected)} predicted id(s) not in gold (e.g. {unexpected[0]!r})")


# --- one scorer per task ---------------------------------------------------------

def _label_scorer(allowed: Collection[str] | None) -> Scorer:
    def score(pred_path: Path, gold_path: Path, language: str) -> Metrics:
        predicted = read_labels(pred_path, allowed)
        gold = read_labels(gold_path, allowed)
        _same_length(pred_path, predicted, gold_path, gold, "labels")
        return {"accuracy": accuracy(gold, predicted), "n": len(gold)}
    return score


def _score_tatoeba(pred_path: Path, gold_path: Path, language: str) -> Metrics:
    predicted, gold = read_indices(pred_path), read_indices(gold_path)
    _same_length(pred_path, predicted, gold_path, gold, "indices")
    return {"accuracy": retrieval_accuracy(predicted, gold), "n": len(gold)}


def _tag_scorer(allowed: Collection[str]) -> Scorer:
    def score(pred_path: Path, gold_path: Path, language: str) -> Metrics:
        predicted = read_tag_sentences(pred_path, allowed)
        gold = read_tag_sentences(gold_path, allowed)
        _same_length(pred_path, predicted, gold_path, gold, "sentences")
        for index, ((pred_line, pred_tags), (gold_line, gold_tags)) in enumerate(zip(predicted, gold), start=1):
            if len(pred_tags) != len(gold_tags):
                raise XmixError(f"sentence {index}: {pred_path}:{pred_line} has {len(pred_tags)} tags but "
                                f"{gold_path}:{gold_line} has {len(gold_tags)}")
        metrics = tagging_scores([tags for _, tags in gold], [tags for _, tags in predicted])
        return {**metrics, "n": len(gold)}
    return score


def _qa_scorer(language_aware: bool) -> Scorer:
    def score(pred_path: Path, gold_path: Path, language: str) -> Metrics:
        gold = read_squad_answers(gold_path)
        predicted = read_id_map(pred_path, "text")
        _same_ids(pred_path, predicted, gold_path, gold, "questions")
        ids = list(gold)
        metrics = squad_scores([predicted[i] for i in ids], [gold[i] for i in ids],
                               language=language if language_aware else None)
        return {**metrics, "n": len(ids)}
    return score


def _ranking_scorer(metric: Callable[..., float]) -> Scorer:
    def score(pred_path: Path, gold_path: Path, language: str) -> Metrics:
        gold = read_id_map(gold_path, "ids")
        predicted = read_id_map(pred_path, "ids")
        _same_ids(pred_path, predicted, gold_path, gold, "queries")
        ids = list(gold)
        empty = [i for i in ids if not gold[i]]
        if empty:
            raise XmixError(f"{gold_path}: query {empty[0]!r} has no relevant id")
        value = metric([predicted[i] for i in ids], [gold[i] for i in ids], k=RANKING_K)
        return {"map@20": value, "n": len(ids)}
    return score


SCORERS: dict[str, Scorer] = {
    "xnli": _label_scorer(NLI_LABELS),
    "xcopa": _label_scorer(("0", "1")),
    "tatoeba": _score_tatoeba,
    "panx": _tag_scorer(PANX_LABELS),
    "udpos": _tag_scorer(UPOS_TAGS),
    "xquad": _qa_scorer(language_aware=False),
    "tydiqa": _qa_scorer(language_aware=False),
    "mlqa": _qa_scorer(language_aware=True),
    # LAReQA: every relevant answer counts (mAP@20); Mewsli-X: one gold entity, MRR@20.
    "lareqa": _ranking_scorer(mean_average_precision_at_k),
    "mewslix": _ranking_scorer(mrr_at_k),
}

EXTENSIONS: dict[str, tuple[str, ...]] = {
    task: ("json",) if task in ("xquad", "mlqa", "tydiqa", "lareqa", "mewslix")
    else ("tsv", "jsonl") if task == "xcopa" else ("tsv",)
    for task in SCORERS
}


def language_files(folder: Path, task: str) -> dict[str, Path]:
    """{language: path} for the ``test-<lang>.<ext>`` files of one task folder."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        match = _LANGUAGE_FILE.fullmatch(path.name)
        if not match or not path.is_file():
            continue
        if match["ext"] not in EXTENSIONS[task]:
            raise XmixError(f"{path}: {task} files are {' or '.join('.' + e for e in EXTENSIONS[task])}")
        language = match["lang"]
        if language in found:
            raise XmixError(f"{found[language]} and {path}: two files for {task} language {language!r}")
        found[language] = path
    return found


def score_directories(predictions: Path, gold: Path) -> dict:
    """The score JSON (ARCHITECTURE.md) for every task and language in ``predictions``."""
    predictions, gold = Path(predictions), Path(gold)
    for folder, role in ((predictions, "predictions"), (gold, "gold")):
        if not folder.is_dir():
            raise XmixError(f"{folder}: {role} folder not found")
    task_folders = sorted(p for p in predictions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not task_folders:
        raise XmixError(f"{predictions}: no task folders; expected <task>/test-<lang>.<tsv|json|jsonl> "
                        f"with <task> one of {', '.join(XTREME_R_TASKS)}")
    per_task: dict[str, dict[str, Metrics]] = {}
    for task_folder in task_folders:
        task = task_folder.name
        if task not in SCORERS:
            raise XmixError(f"{task_folder}: not an XTREME-R task folder (known: {', '.join(XTREME_R_TASKS)})")
        gold_folder = gold / task
        if not gold_folder.is_dir():
            raise XmixError(f"{gold_folder}: gold folder not found (needed for {task_folder})")
        predicted_files = language_files(task_folder, task)
        if not predicted_files:
            raise XmixError(f"{task_folder}: no test-<lang>.{EXTENSIONS[task][0]} files")
        gold_files = language_files(gold_folder, task)
        languages: dict[str, Metrics] = {}
        for language, pred_path in predicted_files.items():
            gold_path = gold_files.get(language)
            if gold_path is None:
                expected = " or ".join(str(gold_folder / f"test-{language}.{e}") for e in EXTENSIONS[task])
                raise XmixError(f"{expected}: file not found (the gold file for {pred_path})")
            languages[language] = SCORERS[task](pred_path, gold_path, language)
        per_task[task] = languages
    return build_scores(per_task)
