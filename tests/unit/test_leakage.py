"""The leakage guard catches copies by text and translations by lineage, on real data."""
from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, PairExample, SpanExample, TagExample
from evaluation.readers import read_squad, read_tsv
from evaluation.splits import EVAL_HALF, TRAIN_HALF, mlqa_file, mlqa_halves
from training.leakage import DataUse, check_leakage, example_hash, normalise_text
from training.sources import SOURCES
from training.sources.nli import NLI_LABEL_IDS

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
needs_data = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")

XNLI_LANGUAGES = ("de", "ar", "zh", "hi", "sw")


@lru_cache(maxsize=None)
def xnli(split: str, language: str) -> tuple[PairExample, ...]:
    path = DATA_ROOT / f"xnli/{split}-{language}.tsv"
    return tuple(PairExample(a, b, NLI_LABEL_IDS[label]) for _, (a, b, label) in read_tsv(path, columns=3))


@lru_cache(maxsize=None)
def source_use(name: str) -> DataUse:
    source = SOURCES.get(name)
    return DataUse(f"source {name}", source.lineage, source.part, tuple(source.read(DATA_ROOT)))


def xnli_target(split: str, language: str) -> DataUse:
    return DataUse(f"target xnli/{language}", f"xnli/{split}", None, xnli(split, language))


# --- hashing --------------------------------------------------------------------------------

def test_normalise_text_folds_case_width_and_spacing():
    assert normalise_text("  The\u00a0CAT\n sat\t") == "the cat sat"
    assert normalise_text("ＡＢＣ１２３") == "abc123"  # NFKC: full-width forms
    assert normalise_text("Straße") == normalise_text("STRASSE")  # casefold, not lower


def test_example_hash_sees_every_field_and_their_boundaries():
    assert example_hash(PairExample("A  b", "C", 0)) == example_hash(PairExample("a b", "c", 2))  # labels ignored
    assert example_hash(PairExample("a b", None, 0)) != example_hash(PairExample("a", "b", 0))
    assert example_hash(ChoiceExample("q", ("x", "y"), 0)) != example_hash(ChoiceExample("q", ("y", "x"), 0))
    span = SpanExample("1", "Who?", "Ann ran.", (("Ann", 0),))
    assert example_hash(span) == example_hash(SpanExample("other-id", "who?", "ann  ran.", ()))
    assert len(example_hash(TagExample(("a", "b"), ("X", "Y")))) == 40  # sha1 hex


# --- the four realistic cases ---------------------------------------------------------------

@needs_data
def test_planted_xnli_dev_copy_is_caught_with_roles_and_count():
    planted = xnli("dev", "de")[17]
    # Re-typed with other case and spacing: still the same example.
    retyped = PairExample(planted.text_a.upper(), "  " + planted.text_b, planted.label)
    mnli = source_use("mnli")
    contaminated = DataUse(mnli.role, mnli.lineage, None, (*mnli.examples, retyped))
    with pytest.raises(XmixError) as error:
        check_leakage([contaminated], [xnli_target("dev", language) for language in XNLI_LANGUAGES])
    message = str(error.value)
    assert "source mnli contains 1 example(s) of target xnli/de" in message
    assert "xnli/ar" not in message  # only the pair that overlaps is reported


@needs_data
def test_each_overlapping_pair_is_listed_with_its_own_count():
    dev_de, dev_zh = xnli("dev", "de"), xnli("dev", "zh")
    trained = [DataUse("source a", "a/train", None, dev_de[:3]), DataUse("source b", "b/train", None, dev_zh[:2])]
    with pytest.raises(XmixError) as error:
        check_leakage(trained, [xnli_target("dev", "de"), xnli_target("dev", "zh")])
    message = str(error.value)
    assert "source a contains 3 example(s) of target xnli/de" in message
    assert "source b contains 2 example(s) of target xnli/zh" in message


@needs_data
def test_kornli_against_xnli_test_is_caught_by_lineage():
    # KorNLI is Korean; XNLI has no Korean, so no text matches: only the lineage can tell.
    with pytest.raises(XmixError) as error:
        check_leakage([source_use("kornli.ko")], [xnli_target("test", language) for language in XNLI_LANGUAGES])
    message = str(error.value)
    assert "source kornli.ko" in message and "target xnli/de" in message and "'xnli/test'" in message
    assert "translation or copy" in message
    assert "contains" not in message  # no text overlap was claimed


@needs_data
def test_kornli_against_xnli_dev_passes():
    summary = check_leakage([source_use("kornli.ko")], [xnli_target("dev", "de")])
    assert summary["overlaps"] == 0


@needs_data
@pytest.mark.parametrize("language", ["de", "zh", "en"])
def test_mlqa_train_half_against_eval_half_passes(language):
    halves = mlqa_halves(DATA_ROOT)
    eval_half = tuple(example for example in read_squad(DATA_ROOT / mlqa_file(language))
                      if halves[example.qid] == EVAL_HALF)
    target = DataUse(f"target mlqa/{language}", "mlqa/dev", EVAL_HALF, eval_half)
    trained = [source_use(f"mlqa.{lang}") for lang in ("ar", "de", "es", "hi", "vi", "zh")]
    summary = check_leakage(trained, [target])
    assert summary == {"trained_examples": sum(len(use.examples) for use in trained),
                       "evaluated_examples": len(eval_half), "lineages_checked": 1, "overlaps": 0}


@needs_data
def test_mlqa_source_against_the_whole_dev_file_is_caught():
    whole = DataUse("target mlqa/de", "mlqa/dev", None, tuple(read_squad(DATA_ROOT / mlqa_file("de"))))
    with pytest.raises(XmixError, match=r"source mlqa\.de and target mlqa/de share lineage 'mlqa/dev'"):
        check_leakage([source_use("mlqa.de")], [whole])


@needs_data
def test_same_half_on_both_sides_is_caught():
    same = DataUse("target mlqa/zh", "mlqa/dev", TRAIN_HALF, ())
    with pytest.raises(XmixError, match="share lineage"):
        check_leakage([source_use("mlqa.zh")], [same])


@needs_data
def test_clean_realistic_check_passes():
    stage2 = DataUse("stage2 xnli", "mnli/train", None, source_use("mnli").examples)
    evaluated = [xnli_target("dev", language) for language in XNLI_LANGUAGES]
    summary = check_leakage([source_use("mnli"), stage2], evaluated)
    assert summary == {"trained_examples": 8000, "evaluated_examples": 5000, "lineages_checked": 2, "overlaps": 0}


@needs_data
def test_every_source_but_kornli_is_clean_against_xnli_dev():
    # All ~100k source examples at once: the realistic size, and a speed check.
    trained = [source_use(name) for name in SOURCES.names() if name != "kornli.ko"]
    evaluated = [xnli_target("dev", language) for language in (*XNLI_LANGUAGES, "en")]
    started = time.perf_counter()
    summary = check_leakage(trained, evaluated)
    assert summary["trained_examples"] > 90_000 and summary["overlaps"] == 0
    assert time.perf_counter() - started < 30  # ~1 s measured; generous for a shared CPU


def test_hundred_thousand_synthetic_examples_are_fast():
    trained = [DataUse("source s", "s/train", None, tuple(PairExample(f"p{i}", f"h{i}", 0) for i in range(100_000)))]
    evaluated = [DataUse("target t", "t/dev", None, tuple(PairExample(f"p{i}", f"x{i}", 0) for i in range(20_000)))]
    started = time.perf_counter()
    assert check_leakage(trained, evaluated)["overlaps"] == 0
    assert time.perf_counter() - started < 30  # linear in examples; ~0.5 s measured
