"""Every target reads the real data in ../shared/data (or $XMIX_DATA); Mewsli-X its fixture."""
from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.examples import (ChoiceExample, Format, LanguageSpanExample, RankingExample, SpanExample,
                                 TagExample)
from evaluation.scores import XTREME_R_TASKS
from evaluation.splits import EVAL_HALF, TRAIN_HALF, mlqa_halves
from evaluation.targets import TARGETS
from evaluation.targets.mewslix import mention_query

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
needs_data = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")

# target -> (split, languages that must be available offline, example type)
OFFLINE = {
    "xnli": ("dev", {"de", "ar", "zh", "hi", "sw", "en"}, "PairExample"),
    "xcopa": ("val", {"et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh"}, "ChoiceExample"),
    "udpos": ("test", {"en", "ar", "zh", "hi", "ja", "tr", "yo"}, "TagExample"),
    "panx": ("dev", {"de", "ar", "zh", "hi", "sw"}, "TagExample"),
    "xquad": ("test", {"ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"}, "SpanExample"),
    "mlqa": ("dev", {"ar", "de", "en", "es", "hi", "vi", "zh"}, "LanguageSpanExample"),
    "lareqa": ("test", {"ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"}, "RankingExample"),
    "tatoeba": ("test", {"deu", "cmn", "swh", "ara", "hin"}, "BitextExample"),
}


@lru_cache(maxsize=None)
def read(name: str, language: str, split: str | None = None, root: Path = DATA_ROOT):
    target = TARGETS.get(name)
    return target.read(root, language, split or target.default_split)


def test_all_ten_xtreme_r_targets_are_registered():
    assert set(TARGETS.names()) == set(XTREME_R_TASKS)


def test_score_tables_and_file_scoring_derive_from_the_targets():
    from evaluation.score_files import EXTENSIONS, SCORERS
    from evaluation.scores import TASK_GROUPS, TASK_METRIC

    assert set(SCORERS) == set(EXTENSIONS) == set(TASK_METRIC) == set(TARGETS.names())
    assert TASK_GROUPS["question_answering"] == ("xquad", "mlqa", "tydiqa")
    assert all(TASK_METRIC[name] == TARGETS.get(name).metric for name in TARGETS.names())
    assert EXTENSIONS["xcopa"] == ("tsv", "jsonl") and EXTENSIONS["lareqa"] == ("json",)


@needs_data
@pytest.mark.parametrize("name", sorted(OFFLINE))
def test_target_reads_real_data_in_every_available_language(name):
    split, required, example_type = OFFLINE[name]
    target = TARGETS.get(name)
    assert target.default_split == split
    languages = target.available_languages(DATA_ROOT, split)
    assert required <= set(languages), required - set(languages)
    for language in sorted(required):
        examples = read(name, language)
        assert len(examples) > 0 and type(examples[0]).__name__ == example_type, (language, examples[:1])
    if target.stage2 is not None:
        for file in target.stage2.files:
            assert (DATA_ROOT / file).is_file()


@needs_data
def test_no_offline_data_for_tydiqa_and_mewslix():
    assert TARGETS.get("tydiqa").available_languages(DATA_ROOT, "dev") == []
    assert TARGETS.get("mewslix").available_languages(DATA_ROOT, "test") == []
    with pytest.raises(XmixError, match="mewslix/wikinews_mentions-test.jsonl: file not found"):
        TARGETS.get("mewslix").read(DATA_ROOT, "de", "test")


@needs_data
def test_lineages_and_parts_for_the_leakage_guard():
    assert TARGETS.get("xquad").lineage("test") == "squad1.1/dev"
    assert TARGETS.get("lareqa").lineage("test") == "squad1.1/dev"
    assert TARGETS.get("xcopa").lineage("test") == "copa/test"
    assert TARGETS.get("mlqa").lineage("dev") == "mlqa/dev" and TARGETS.get("mlqa").part == EVAL_HALF
    assert TARGETS.get("udpos").lineage("test") == "udpos/test"
    assert TARGETS.get("xnli").lineage("dev") == "xnli/dev" and TARGETS.get("xnli").part is None


def test_a_new_language_in_xnli_format_is_discovered_without_code_changes(tmp_path):
    (tmp_path / "xnli").mkdir()
    (tmp_path / "xnli/dev-xx.tsv").write_text("Ein Satz.\tNoch einer.\tneutral\nA.\tB.\tentailment\n",
                                              encoding="utf-8")
    xnli = TARGETS.get("xnli")
    assert xnli.available_languages(tmp_path, "dev") == ["xx"]
    examples = xnli.read(tmp_path, "xx", "dev")
    assert [e.label for e in examples] == [1, 0]
    assert xnli.score(examples, [1, 2]) == {"accuracy": 50.0}


@needs_data
def test_udpos_reads_upos_tags_and_has_no_german_test():
    udpos = TARGETS.get("udpos")
    assert "de" not in udpos.available_languages(DATA_ROOT, "test")
    examples = read("udpos", "en")
    assert len(examples) == 1000 and all(isinstance(e, TagExample) for e in examples)
    assert {tag for e in examples for tag in e.tags} <= set(udpos.labels) and len(udpos.labels) == 17
    assert len(udpos.stage2.read(DATA_ROOT)) == 5000
    gold = [list(e.tags) for e in examples[:50]]
    assert udpos.score(examples[:50], gold)["f1"] == pytest.approx(100.0)


@needs_data
def test_xcopa_items_and_two_choice_stage2():
    assert len(read("xcopa", "zh")) == 100  # val: the search set
    examples = read("xcopa", "zh", "test")
    assert len(examples) == 500
    assert examples[0] == ChoiceExample("该物品用气泡包装纸包着。 What was the cause?", ("它很易碎。", "它很小。"), 0)
    stage2 = TARGETS.get("xcopa").stage2.read(DATA_ROOT)
    assert len(stage2) == 4000 + 400  # Social IQa rows, then COPA train
    assert all(len(e.choices) == 2 and e.label in (0, 1) for e in stage2)
    # Both answer positions occur after dropping one distractor (no position bias from the reduction).
    assert 0.3 < sum(e.label for e in stage2[:4000]) / 4000 < 0.7


@needs_data
def test_xquad_and_mlqa_eval_half():
    assert len(read("xquad", "de")) == 1190
    halves = mlqa_halves(DATA_ROOT)
    for language in ("en", "zh"):
        examples = read("mlqa", language)
        assert examples and all(isinstance(e, LanguageSpanExample) and e.language == language for e in examples)
        assert all(halves[e.qid] == EVAL_HALF for e in examples)
    assert sum(halves[q] == TRAIN_HALF for q in halves) > 0
    zh = read("mlqa", "zh")
    answers = [e.answers[0][0] for e in zh]
    assert TARGETS.get("mlqa").score(zh, answers) == {"exact_match": 100.0, "f1": 100.0}
    stage2 = TARGETS.get("xquad").stage2.read(DATA_ROOT)
    assert len(stage2) == 3696 and len({e.qid for e in stage2}) == 3696


def test_tydiqa_reads_the_xtreme_layout(tmp_path):
    folder = tmp_path / "tydiqa/tydiqa-goldp-v1.1-dev"
    folder.mkdir(parents=True)
    document = {"version": "1.1", "data": [{"paragraphs": [{"context": "Nairobi ni mji mkuu wa Kenya.", "qas": [
        {"id": "sw-1", "question": "Mji mkuu wa Kenya ni upi?", "answers": [{"text": "Nairobi", "answer_start": 0}]}]}]}]}
    (folder / "tydiqa.sw.dev.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    tydiqa = TARGETS.get("tydiqa")
    assert tydiqa.available_languages(tmp_path, "dev") == ["sw"]
    examples = tydiqa.read(tmp_path, "sw", "dev")
    assert examples == [SpanExample("sw-1", "Mji mkuu wa Kenya ni upi?", "Nairobi ni mji mkuu wa Kenya.",
                                    (("Nairobi", 0),))]
    # "the Nairobi" normalises to "nairobi" under SQuAD v1.1 rules: EM 100
    assert tydiqa.score(examples, ["the Nairobi"]) == {"exact_match": 100.0, "f1": 100.0}


@needs_data
def test_lareqa_pool_and_relevant_answers():
    examples = read("lareqa", "de")
    assert len(examples) == 1190
    pool = examples[0].pool
    assert len(pool) == 13014 and len(set(pool.ids)) == len(pool)
    assert all(e.pool is pool for e in read("lareqa", "zh"))  # one pool shared by every language
    first = examples[0]
    assert isinstance(first, RankingExample) and len(first.relevant) == 11
    assert first.relevant[3] == "en_1_0"
    assert pool.texts[pool.ids.index("en_1_0")].startswith("The Panthers defense gave up just 308 points")
    # Ranking the 11 relevant sentences first gives AP 1 per question; none of them gives 0.
    lareqa = TARGETS.get("lareqa")
    assert lareqa.score(examples[:5], [list(e.relevant) for e in examples[:5]]) == {"map@20": 100.0}
    assert lareqa.score(examples[:5], [["nope"]] * 5) == {"map@20": 0.0}


def test_mewslix_fixture_in_the_official_format():
    mewslix = TARGETS.get("mewslix")
    assert mewslix.available_languages(FIXTURES, "test") == ["de", "es"]
    assert mewslix.available_languages(FIXTURES, "dev") == []
    german = mewslix.read(FIXTURES, "de", "test")
    assert [(e.qid, e.relevant) for e in german] == [("de-1", ("Q90",)), ("de-2", ("Q64",)), ("de-3", ("Q567",))]
    # One sentence of context, mention in braces, mention text prepended, "{...}" escaped to "(...)".
    assert german[0].query == "Paris: Merkel besuchte danach { Paris } (und Lyon)."
    assert german[1].query == "Berlin: Der Senat von { Berlin } tagte."
    pool = german[0].pool
    assert pool.ids == ("Q64", "Q90", "Q567", "Q2807", "Q1653")
    assert pool.texts[0] == "Berlin is the capital and largest city of Germany. It lies on the Spree."
    # MRR@20: de-1 at rank 1, de-2 at rank 2, de-3 missing -> (1 + 1/2 + 0) / 3 = 50
    ranked = [["Q90", "Q64"], ["Q90", "Q64"], ["Q90"]]
    assert mewslix.score(german, ranked) == {"map@20": pytest.approx(50.0)}


def test_mewslix_malformed_mention_names_file_and_line(tmp_path):
    shutil.copytree(FIXTURES / "mewslix", tmp_path / "mewslix")
    path = tmp_path / "mewslix/wikinews_mentions-test.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["mention"]["mention_span"]["text"] = "Bern"
    lines[1] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(XmixError, match=r"wikinews_mentions-test\.jsonl:2: mention text 'Bern' != context"):
        TARGETS.get("mewslix").read(tmp_path, "de", "test")


def test_mention_crossing_sentences_is_refused():
    record = {"context": {"language": "en", "text": "A b. C d.", "sentence_spans": [{"start": 0, "end": 4},
                                                                                   {"start": 5, "end": 9}]},
              "mention": {"example_id": "x", "entity_id": "Q1", "mention_span": {"start": 2, "end": 6,
                                                                                 "text": "b. C"}}}
    with pytest.raises(XmixError, match="crosses sentence boundaries"):
        mention_query(record, "f.jsonl:1")


def test_formats_match_example_types():
    formats = {name: TARGETS.get(name).format for name in TARGETS.names()}
    assert formats["xcopa"] is Format.MULTIPLE_CHOICE
    assert formats["udpos"] is Format.TAGGING
    assert {formats[n] for n in ("xquad", "mlqa", "tydiqa")} == {Format.EXTRACTIVE_QA}
    assert formats["lareqa"] is formats["mewslix"] is Format.RANKING


def test_tydiqa_offline_stand_in_is_guarded_per_language():
    """TyDiQA's held-out train files stand in for its dev set: training on tydiqa.ko
    while evaluating tydiqa ko is refused; tydiqa.sw (another text) is allowed."""
    from dataclasses import replace

    from training.data import check_plan_leakage
    from training.plan import TargetPlan, TrialPlan

    target = TARGETS.get("tydiqa")
    assert target.available_languages(DATA_ROOT, "train") == ["en", "ko", "sw"]
    assert target.lineage("train", "ko") == "tydiqa/train/ko"
    plan = TrialPlan(model_name_or_path="unused", max_length=64, num_layers=None, data_root=str(DATA_ROOT),
                     mixture={"tydiqa.ko": 1.0}, intermediate_steps=0, intermediate_batch_size=1, intermediate_lr=1e-5,
                     stage2_steps=0, stage2_batch_size=1, stage2_lr=1e-5, seed=0,
                     targets=(TargetPlan("tydiqa", ("ko",), "train", 50, 8),))
    with pytest.raises(XmixError, match="tydiqa/train/ko"):
        check_plan_leakage(replace(plan, sources=("tydiqa.ko",)))
    assert check_plan_leakage(replace(plan, sources=("tydiqa.sw",)))["overlaps"] == 0
