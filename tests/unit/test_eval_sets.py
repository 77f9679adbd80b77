"""Search / report eval sets and per-example unit scores, on the real data in ../shared/data.

For every target with offline data (TyDiQA: its offline stand-in split ``train``;
Mewsli-X: the fixture plus a dev file written here) and every language: the two
sets are disjoint and together are the split, in file order; a parallel item is
in the same set in every language; and ``from_units`` of the unit rows is the
language score, also on a bootstrap resample.
"""
from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from evaluation.errors import XmixError
from evaluation.examples import Format
from evaluation.metrics import (mean_percent, retrieval_accuracy, seqeval_f1_from_units, squad_units,
                                tagging_scores, tagging_units)
from evaluation.scores import XTREME_R_TASKS, language_score
from evaluation.splits import EVAL_HALF, HALVES, half_of, mlqa_halves, role_of
from evaluation.targets import REPORT, ROLES, SEARCH, TARGETS, EvalSet

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
needs_data = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")

# target -> the split a spec names (None: the target's own sets) for the offline data
OFFLINE = {"xnli": None, "xcopa": None, "panx": None, "udpos": None, "tatoeba": None, "xquad": None,
           "mlqa": None, "lareqa": None, "tydiqa": "train"}
CAP = 150  # examples per language for the score checks (MLQA normalisation and seqeval are slow-ish)
MAX_LANGUAGES = 3  # languages per target for the score checks; the set checks cover all of them


@pytest.fixture(scope="module")
def mewslix_root(tmp_path_factory) -> Path:
    """The fixture plus a dev file: its test mentions under other example ids (dev is what search reads)."""
    root = tmp_path_factory.mktemp("mewslix")
    shutil.copytree(FIXTURES / "mewslix", root / "mewslix")
    lines = []
    for line in (root / "mewslix/wikinews_mentions-test.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record["mention"]["example_id"] = "dev-" + record["mention"]["example_id"]
        lines.append(json.dumps(record, ensure_ascii=False))
    (root / "mewslix/wikinews_mentions-dev.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


CASES = [*(pytest.param(name, split, marks=needs_data, id=name) for name, split in OFFLINE.items()),
         pytest.param("mewslix", None, id="mewslix")]


def data_root(name: str, request) -> Path:
    return request.getfixturevalue("mewslix_root") if name == "mewslix" else DATA_ROOT


@lru_cache(maxsize=None)
def languages(name: str, split: str | None, root: Path) -> tuple[str, ...]:
    target = TARGETS.get(name)
    found = [set(target.available_languages(root, s.split)) for s in target.eval_sets(split).values()]
    assert found[0] == found[1], f"{name}: search and report splits cover different languages"
    return tuple(sorted(found[0]))


@lru_cache(maxsize=None)
def read_sets(name: str, split: str | None, root: Path, language: str):
    target = TARGETS.get(name)
    sets = target.eval_sets(split)
    return target.read_eval(root, language, sets[SEARCH]), target.read_eval(root, language, sets[REPORT])


# --- role_of ---------------------------------------------------------------------

def test_role_of_is_pinned():
    # A change of salt or hash reshuffles every search/report set; these values catch it.
    pinned = "RSRRRRRRSRRSRRSRRRSRSRSR"
    assert "".join("S" if role_of(f"key {i}") == SEARCH else "R" for i in range(24)) == pinned
    assert role_of("") == REPORT and role_of("line 0") == SEARCH


def test_role_of_is_balanced_and_independent_of_the_mlqa_halves():
    keys = [f"q{i}" for i in range(4000)]
    pairs = [(half_of(key), role_of(key)) for key in keys]
    for half in HALVES:
        for role in ROLES:
            share = pairs.count((half, role)) / len(keys)
            assert 0.22 < share < 0.28, (half, role, share)


# --- which sets ------------------------------------------------------------------

def test_every_target_names_its_search_and_report_sets():
    expected = {  # name: (search, report) as (split, half)
        "xnli": (("dev", None), ("test", None)),
        "xcopa": (("val", None), ("test", None)),
        "mewslix": (("dev", None), ("test", None)),
        **{name: ((split, SEARCH), (split, REPORT)) for name, split in (
            ("panx", "dev"), ("udpos", "test"), ("tatoeba", "test"), ("xquad", "test"), ("mlqa", "dev"),
            ("tydiqa", "dev"), ("lareqa", "test"))},
    }
    assert set(expected) == set(XTREME_R_TASKS)
    for name, (search, report) in expected.items():
        sets = TARGETS.get(name).eval_sets(None)
        assert sets == {SEARCH: EvalSet(SEARCH, *search), REPORT: EvalSet(REPORT, *report)}, name


def test_a_split_named_explicitly_is_cut_into_both_roles():
    xnli = TARGETS.get("xnli")
    assert xnli.eval_sets("test") == {SEARCH: EvalSet(SEARCH, "test", SEARCH), REPORT: EvalSet(REPORT, "test", REPORT)}
    with pytest.raises(XmixError, match="role 'dev' is not one of search, report"):
        EvalSet("dev", "test", None)


@needs_data
def test_a_split_the_target_lacks_is_refused_when_the_spec_is_validated(monkeypatch):
    from sweep.spec import load_spec
    from sweep.validate import build_plan
    from tests.conftest import PROJECT_ROOT

    monkeypatch.chdir(PROJECT_ROOT)
    with pytest.raises(XmixError, match=r"targets\.xnli\.split: 'train' not available \(allowed: dev, test\)"):
        build_plan(load_spec(PROJECT_ROOT / "configs/smoke.yaml", ["targets.xnli.split=train"]))


# --- the sets: disjoint, together the split, parallel ----------------------------------

@pytest.mark.parametrize("name, split", CASES)
def test_search_and_report_are_disjoint_and_together_the_split(name, split, request):
    target, root = TARGETS.get(name), data_root(name, request)
    sets = target.eval_sets(split)
    assert languages(name, split, root), f"{name}: no language available offline"
    for language in languages(name, split, root):
        search, report = read_sets(name, split, root, language)
        assert search and report, (name, language, len(search), len(report))
        assert not set(search) & set(report), (name, language)
        if sets[SEARCH].half is None:
            assert search == list(target.read(root, language, sets[SEARCH].split))
            assert report == list(target.read(root, language, sets[REPORT].split))
            continue
        whole = list(target.read(root, language, sets[SEARCH].split))
        keys = target.half_keys(root, whole)
        # Walking the file: every example is the next one of the set its key hashes to.
        side = {SEARCH: iter(search), REPORT: iter(report)}
        for example, key in zip(whole, keys):
            assert next(side[role_of(key)]) == example, (name, language, key)
        assert next(side[SEARCH], None) is None and next(side[REPORT], None) is None
        search_keys = {key for key in keys if role_of(key) == SEARCH}
        assert not search_keys & {key for key in keys if role_of(key) == REPORT}
        if len(whole) >= 200:
            assert 0.35 < len(search) / len(whole) < 0.65, (name, language, len(search), len(whole))


@needs_data
@pytest.mark.parametrize("name", ["xquad", "lareqa", "mlqa"])
def test_a_question_is_in_the_same_set_in_every_language(name):
    role_by_qid: dict[str, str] = {}
    shared = 0
    for language in languages(name, None, DATA_ROOT):
        for role, examples in zip(ROLES, read_sets(name, None, DATA_ROOT, language)):
            for example in examples:
                shared += example.qid in role_by_qid
                assert role_by_qid.setdefault(example.qid, role) == role, (name, language, example.qid)
    assert shared > 1000  # the check saw the same questions in several languages


@needs_data
def test_an_mlqa_paragraph_never_sits_in_both_sets():
    for language in languages("mlqa", None, DATA_ROOT):
        search, report = read_sets("mlqa", None, DATA_ROOT, language)
        assert not {e.context for e in search} & {e.context for e in report}, language
        # Both sets come from the eval half only (the train half is an mlqa.* source).
        assert {mlqa_halves(DATA_ROOT)[e.qid] for e in search + report} == {EVAL_HALF}


@needs_data
def test_an_english_tatoeba_sentence_is_in_the_same_set_for_every_language():
    role_by_english: dict[str, str] = {}
    shared = 0
    for language in languages("tatoeba", None, DATA_ROOT):
        for role, examples in zip(ROLES, read_sets("tatoeba", None, DATA_ROOT, language)):
            for example in examples:
                shared += example.english in role_by_english
                assert role_by_english.setdefault(example.english, role) == role, (language, example.english)
    assert shared > 100


@needs_data
@pytest.mark.parametrize("name, split", [("xnli", "test"), ("xcopa", "test")])
def test_halves_of_a_line_aligned_split_hold_the_same_lines_in_every_language(name, split):
    target = TARGETS.get(name)
    lines_by_language = {}
    for language in languages(name, split, DATA_ROOT):
        whole = list(target.read(DATA_ROOT, language, split))
        search = target.read_eval(DATA_ROOT, language, target.eval_sets(split)[SEARCH])
        # Walk the file: which line numbers went to search (a line's text may repeat in a file).
        remaining, taken = iter(search), []
        current = next(remaining, None)
        for index, example in enumerate(whole):
            if example == current and role_of(target.half_key(example, index)) == SEARCH:
                taken.append(index)
                current = next(remaining, None)
        assert current is None, language
        lines_by_language[language] = (tuple(taken), len(whole))
    (lines, count), = set(lines_by_language.values())
    assert len(lines_by_language) > 5 and 0.35 < len(lines) / count < 0.65


# --- unit scores ----------------------------------------------------------------------

def fake_predictions(target, examples):
    """Deterministic, partly wrong predictions in each format's prediction type."""
    n = len(examples)
    if target.format in (Format.CLASSIFICATION, Format.MULTIPLE_CHOICE):
        return [(e.label + 1) % len(target.labels) if i % 3 == 2 else e.label for i, e in enumerate(examples)]
    if target.format is Format.TAGGING:
        labels = target.labels

        def flipped(tag):
            return labels[(labels.index(tag) + 1) % len(labels)]
        return [[flipped(tag) if (i + j) % 4 == 0 else tag for j, tag in enumerate(e.tags)]
                for i, e in enumerate(examples)]
    if target.format is Format.EXTRACTIVE_QA:
        answers = [e.answers[0][0] for e in examples]
        return [(a, "", a + " und so weiter")[i % 3] for i, a in enumerate(answers)]
    if target.format is Format.RETRIEVAL:
        return [(i + 1) % n if i % 3 == 0 else i for i in range(n)]
    if target.format is Format.RANKING:
        return [(list(e.relevant), ["nope"] * 3 + list(e.relevant)[:2], [])[i % 3] for i, e in enumerate(examples)]
    raise AssertionError(target.format)


def resampled_score(name, target, examples, predicted, idx) -> float:
    if name == "tatoeba":  # the gold index of a resampled row is still its position in the set
        return retrieval_accuracy([predicted[i] for i in idx], list(idx))
    return language_score(name, target.score([examples[i] for i in idx], [predicted[i] for i in idx]))


@pytest.mark.parametrize("name, split", CASES)
def test_from_units_is_the_language_score_also_on_a_resample(name, split, request):
    target, root = TARGETS.get(name), data_root(name, request)
    exact = target.from_units in (seqeval_f1_from_units,) or name in ("xnli", "xcopa", "tatoeba")
    rng = np.random.default_rng(0)
    for language in languages(name, split, root)[:MAX_LANGUAGES]:
        for examples in read_sets(name, split, root, language):
            examples = examples[:CAP]
            predicted = fake_predictions(target, examples)
            units = target.unit_scores(examples, predicted)
            assert isinstance(units, np.ndarray) and len(units) == len(examples) and units.ndim in (1, 2)
            expected = language_score(name, target.score(examples, predicted))
            assert 0 < expected < 100, (name, language, expected)  # the fake predictions are partly right
            idx = rng.integers(0, len(examples), len(examples))
            resampled = resampled_score(name, target, examples, predicted, idx)
            if exact:
                assert target.from_units(units) == expected, (name, language)
                assert target.from_units(units[idx]) == resampled, (name, language)
            else:
                assert target.from_units(units) == pytest.approx(expected, rel=1e-12, abs=1e-9)
                assert target.from_units(units[idx]) == pytest.approx(resampled, rel=1e-12, abs=1e-9)


# --- the unit metrics, hand-worked ------------------------------------------------------

def test_tagging_units_count_seqeval_entities_per_sentence():
    gold = [["B-PER", "I-PER", "O"], ["B-LOC", "O", "B-ORG", "I-ORG"]]
    predicted = [["B-PER", "B-PER", "O"], ["B-LOC", "O", "O", "O"]]
    # sentence 1: gold PER(0..1); predicted PER(0), PER(1): tp 0, fp 2, fn 1.
    # sentence 2: gold LOC(0), ORG(2..3); predicted LOC(0): tp 1, fp 0, fn 1.
    units = tagging_units(gold, predicted)
    assert units.tolist() == [[0, 2, 1], [1, 0, 1]]
    # F1 = 2*1 / (2*1 + 2 + 2) = 1/3
    assert seqeval_f1_from_units(units) == tagging_scores(gold, predicted)["f1"] == pytest.approx(100 / 3)
    assert seqeval_f1_from_units(units[[0, 0]]) == 0.0  # no hit: 0, as seqeval


def test_pos_tags_are_chunked_as_seqeval_does():
    # Runs of equal tags are one chunk ("NOUN NOUN" -> one span); S-initial tags are single tokens.
    gold = [["NOUN", "NOUN", "VERB", "SCONJ", "SCONJ"]]
    predicted = [["NOUN", "VERB", "VERB", "SCONJ", "SCONJ"]]
    # gold chunks: OUN(0..1), ERB(2), CONJ(3), CONJ(4); predicted: OUN(0), ERB(1..2), CONJ(3), CONJ(4): tp 2
    assert tagging_units(gold, predicted).tolist() == [[2, 2, 2]]
    assert seqeval_f1_from_units(tagging_units(gold, predicted)) == tagging_scores(gold, predicted)["f1"]


def test_squad_units_average_exact_match_and_f1_per_question():
    # q1 exact: (1 + 1) / 2; q2 "" : 0; q3 "Paris France" vs "Paris": EM 0, F1 2*(1/2*1)/(3/2) = 2/3 -> 1/3
    units = squad_units(["the Paris", "", "Paris France"], [["Paris"], ["Lyon"], ["Paris"]])
    assert units.tolist() == pytest.approx([1.0, 0.0, 1 / 3])
    assert mean_percent(units) == pytest.approx(100 * (1 + 1 / 3) / 3)


def test_unit_rows_of_the_wrong_shape_or_none_are_refused():
    with pytest.raises(XmixError, match="no unit rows"):
        mean_percent(np.array([]))
    with pytest.raises(XmixError, match=r"shape \(n, 3\)"):
        seqeval_f1_from_units(np.ones((2, 2)))
    with pytest.raises(XmixError, match=r"shape \(n,\)"):
        mean_percent(np.ones((2, 3)))
