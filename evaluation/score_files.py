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
* An id twice in one JSON object, or twice in one ranking, is an error: ``json``
  would keep the last answer silently, and a repeated ranked id counts as a second hit.
* A UTF-8 byte-order mark at the start of a file is ignored.
* An XTREME (v1) folder also holds ``bucc2018/`` and ``pawsx/``, tasks XTREME-R
  dropped: they are skipped with a note on stderr; any other unknown folder is an error.
"""
from __future__ import annotations

import re
import reprlib
import sys
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

from evaluation.errors import XmixError
from evaluation.metrics import RANKING_K, accuracy, retrieval_accuracy, tagging_scores
from evaluation.readers import read_json, read_jsonl, read_text, text_lines
from evaluation.scores import XTREME_R_TASKS, build_scores
from evaluation.targets import TARGETS, PredictionFormat, Target

_LANGUAGE_FILE = re.compile(r"test-(?P<lang>[^/.]+)\.(?P<ext>tsv|jsonl|json)")
_INDEX = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also accepts '²' and '٣'
# Folders of the XTREME (v1) layout for tasks XTREME-R dropped (google-research/xtreme
# evaluate.py's TASK2LANGS): an official v1 prediction folder holds them beside the
# XTREME-R tasks, so they are skipped with a note instead of refusing the folder.
XTREME_V1_ONLY_TASKS = ("bucc2018", "pawsx")

Metrics = dict[str, float]
Scorer = Callable[[Path, Path, str], Metrics]


# --- reading ---------------------------------------------------------------

def _text_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line without its newline); trailing blank lines dropped."""
    lines = list(enumerate(text_lines(read_text(path)), start=1))
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
            label = record["label"]
            # bool is an int subclass: true would pass as label "True" and count as a miss.
            if isinstance(label, bool) or not isinstance(label, (str, int)):
                raise XmixError(f"{path}:{line_number}: 'label' must be a string or an integer, "
                                f"got {_short(label)}")
            labels.append(_checked(str(label).strip(), allowed, path, line_number))
        return labels
    for line_number, line in _text_lines(path):
        if not line.strip():
            raise XmixError(f"{path}:{line_number}: empty line (expected one label per line)")
        labels.append(_checked(_last_field(line), allowed, path, line_number))
    return labels


def _short(value: object) -> str:
    """A repr short enough for one error line, whatever the file held (a megabyte line,
    a list nested hundreds deep)."""
    return _REPR.repr(value)


_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict, _REPR.maxlevel = 80, 80, 5, 5, 3


def _checked(label: str, allowed: Collection[str] | None, path: Path, line_number: int) -> str:
    if allowed is not None and label not in allowed:
        raise XmixError(f"{path}:{line_number}: unknown label {_short(label)} (allowed: {', '.join(allowed)})")
    return label


def read_indices(path: Path) -> list[int]:
    """Tatoeba: one non-negative integer per line."""
    indices = []
    for line_number, line in _text_lines(path):
        value = _last_field(line)
        if not _INDEX.fullmatch(value):
            raise XmixError(f"{path}:{line_number}: expected a non-negative integer index (digits 0-9), "
                            f"got {_short(value)}")
        # No corpus has 10**18 sentences; the cap also keeps int() under its 4300-digit limit.
        if len(value) > 18:
            raise XmixError(f"{path}:{line_number}: index {_short(value)} is too large")
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
                    if not isinstance(qa["id"], (str, int)) or isinstance(qa["id"], bool):
                        raise XmixError(f"{path}: a question id must be a string, got {_short(qa['id'])}")
                    qid = str(qa["id"])
                    texts = [a["text"] for a in qa["answers"]]
                    if not texts or not all(isinstance(t, str) for t in texts):
                        raise XmixError(f"{path}: question {_short(qid)} has no gold answer text")
                    if qid in answers:
                        raise XmixError(f"{path}: question id {_short(qid)} occurs twice")
                    answers[qid] = texts
    except (KeyError, TypeError) as error:
        raise XmixError(f"{path}: malformed SQuAD JSON ({type(error).__name__}: {error})") from None
    return answers


def read_id_map(path: Path, value_kind: str) -> dict[str, object]:
    """A JSON object keyed by id; values are answer strings ("text") or id lists ("ids")."""
    document = read_json(path, object_pairs_hook=_unique_keys(path))
    if not isinstance(document, dict):
        raise XmixError(f"{path}: expected a JSON object keyed by id, got {type(document).__name__}")
    for key, value in document.items():
        if value_kind == "text" and not isinstance(value, str):
            raise XmixError(f"{path}: the prediction for {_short(key)} must be a string, got {_short(value)}")
        if value_kind == "ids":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise XmixError(f"{path}: the value for {_short(key)} must be a list of id strings, "
                                f"got {_short(value)}")
            # A repeated id would be counted as a second hit and push mAP past 100.
            if len(set(value)) != len(value):
                twice = next(v for i, v in enumerate(value) if v in value[:i])
                raise XmixError(f"{path}: the list for {_short(key)} holds {_short(twice)} twice")
    return document


def _unique_keys(path: Path) -> Callable[[list[tuple[str, object]]], dict]:
    """json's default keeps the last of two equal keys silently: two answers for one id."""
    def build(pairs: list[tuple[str, object]]) -> dict:
        document = dict(pairs)
        if len(document) != len(pairs):
            seen: set[str] = set()
            twice = next(key for key, _ in pairs if key in seen or seen.add(key))
            raise XmixError(f"{path}: id {_short(twice)} occurs twice")
        return document
    return build


# --- pairing predictions with gold -----------------------------------------------

def _same_length(pred_path: Path, predicted: Sequence, gold_path: Path, gold: Sequence, what: str) -> None:
    # Checked here, not left to the metric: its "0 gold labels" message cannot name the file.
    if not gold:
        raise XmixError(f"{gold_path}: no {what} (an empty file?); nothing to score {pred_path} against")
    if not predicted:
        raise XmixError(f"{pred_path}: no {what} (an empty file?), but {gold_path} has {len(gold)}")
    if len(predicted) != len(gold):
        raise XmixError(f"{pred_path} has {len(predicted)} {what} but {gold_path} has {len(gold)}; "
                        "expected one prediction per gold example")


def _same_ids(pred_path: Path, predicted: Mapping, gold_path: Path, gold: Mapping, what: str) -> None:
    _same_length(pred_path, list(predicted), gold_path, list(gold), what)
    missing = [key for key in gold if key not in predicted]
    if missing:
        unexpected = [key for key in predicted if key not in gold]
        raise XmixError(f"{pred_path} and {gold_path} both have {len(gold)} {what} but different ids: "
                        f"{len(missing)} gold id(s) without a prediction (e.g. {_short(missing[0])}), "
                        f"{len(unexpected)} predicted id(s) not in gold (e.g. {_short(unexpected[0])})")


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


def _qa_scorer(metric: Callable[..., Metrics]) -> Scorer:
    def score(pred_path: Path, gold_path: Path, language: str) -> Metrics:
        gold = read_squad_answers(gold_path)
        predicted = read_id_map(pred_path, "text")
        _same_ids(pred_path, predicted, gold_path, gold, "questions")
        ids = list(gold)
        metrics = metric([predicted[i] for i in ids], [gold[i] for i in ids], language)
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


_SCORER_OF_FORMAT: dict[PredictionFormat, Callable[[Target], Scorer]] = {
    PredictionFormat.LABELS: lambda target: _label_scorer(target.labels),
    PredictionFormat.INDICES: lambda target: _score_tatoeba,
    PredictionFormat.TAGS: lambda target: _tag_scorer(target.labels),
    PredictionFormat.ANSWERS: lambda target: _qa_scorer(target.metric_fn),
    PredictionFormat.RANKINGS: lambda target: _ranking_scorer(target.metric_fn),
}
SCORERS: dict[str, Scorer] = {name: _SCORER_OF_FORMAT[t.prediction_format](t) for name, t in TARGETS.items()}
EXTENSIONS: dict[str, tuple[str, ...]] = {name: t.prediction_extensions for name, t in TARGETS.items()}


def language_files(folder: Path, task: str) -> dict[str, Path]:
    """{language: path} for the ``test-<lang>.<ext>`` files of one task folder."""
    found: dict[str, Path] = {}
    for path in _listing(folder):
        match = _LANGUAGE_FILE.fullmatch(path.name)
        if not match:
            continue
        if not path.is_file():
            # Skipping it would blame a missing file elsewhere, far from the real cause.
            kind = "a folder" if path.is_dir() else "a broken link or a link loop"
            raise XmixError(f"{path}: {kind}, expected a file")
        if match["ext"] not in EXTENSIONS[task]:
            raise XmixError(f"{path}: {task} files are {' or '.join('.' + e for e in EXTENSIONS[task])}")
        language = match["lang"]
        if language in found:
            raise XmixError(f"{found[language]} and {path}: two files for {task} language {language!r}")
        found[language] = path
    return found


def _listing(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as error:
        raise XmixError(f"{folder}: cannot list the folder ({error.strerror or error})") from None


def _note_on_stderr(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def score_directories(predictions: Path, gold: Path, note: Callable[[str], None] = _note_on_stderr) -> dict:
    """The score JSON (ARCHITECTURE.md) for every task and language in ``predictions``.

    ``note`` receives what was skipped (XTREME v1 task folders), for stderr.
    """
    predictions, gold = Path(predictions), Path(gold)
    for folder, role in ((predictions, "predictions"), (gold, "gold")):
        if not folder.is_dir():
            raise XmixError(f"{folder}: {role} folder not found")
    task_folders = [p for p in _listing(predictions) if p.is_dir() and not p.name.startswith(".")]
    skipped = [p for p in task_folders if p.name in XTREME_V1_ONLY_TASKS]
    task_folders = [p for p in task_folders if p not in skipped]
    dropped = "XTREME (v1) task(s) that XTREME-R dropped"
    if not task_folders:
        only = f" (only {', '.join(p.name for p in skipped)}: {dropped})" if skipped else ""
        raise XmixError(f"{predictions}: no {'XTREME-R ' if skipped else ''}task folders{only}; expected "
                        f"<task>/test-<lang>.<tsv|json|jsonl> with <task> one of {', '.join(XTREME_R_TASKS)}")
    if skipped:
        note(f"skipped {', '.join(str(p) for p in skipped)}: {dropped}")
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
            try:
                languages[language] = SCORERS[task](pred_path, gold_path, language)
            except XmixError as error:
                # The metrics' own checks (e.g. MLQA's language list) know no file names.
                if str(pred_path) in str(error) or str(gold_path) in str(error):
                    raise
                raise XmixError(f"{pred_path} (gold {gold_path}): {error}") from None
        per_task[task] = languages
    return build_scores(per_task)
