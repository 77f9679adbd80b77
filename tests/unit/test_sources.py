"""Stage-1 sources read the real data in ../shared/data (or $XMIX_DATA) correctly."""
from __future__ import annotations

import os
import pickle
from functools import lru_cache
from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.examples import ChoiceExample, Format, PairExample, SpanExample, TagExample
from evaluation import families
from evaluation.readers import read_squad
from evaluation.splits import EVAL_HALF, HALVES, MLQA_LANGUAGES, TRAIN_HALF, half_of, mlqa_file, mlqa_halves
from training.sources import SOURCES
from training.sources.nli import NLI_LABELS
from training.sources.tagging import UPOS_TAGS

DATA_ROOT = Path(os.environ.get("XMIX_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
pytestmark = pytest.mark.skipif(not DATA_ROOT.is_dir(), reason=f"no benchmark data at {DATA_ROOT}")

NAMES = SOURCES.names()


@lru_cache(maxsize=None)
def load(name: str):
    """Each source is read once per test session, however many tests look at it."""
    return SOURCES.get(name).read(DATA_ROOT)


def test_enough_sources_in_each_group():
    english = [name for name, source in SOURCES.items() if source.is_english]
    other = [name for name, source in SOURCES.items() if not source.is_english]
    assert len(english) >= 10, english
    assert len(other) >= 15, other


def test_requested_sources_are_registered():
    requested = {
        "mnli", "snli", "anli", "qqp", "sst2", "commonsenseqa", "cosmosqa", "hellaswag", "siqa",
        "squad2", "squad", "tydiqa.en", "copa", "udpos.en", "ocnli.zh", "kornli.ko", "siqa.pt",
        "hellaswag.ru", "hellaswag.fa", "tydiqa.ko", "tydiqa.sw",
        *(f"pawsx.{lang}" for lang in ("de", "es", "fr", "ja", "ko", "zh")),
        *(f"mlqa.{lang}" for lang in ("ar", "de", "es", "hi", "vi", "zh")),
        *(f"udpos.{lang}" for lang in ("ar", "zh", "tr", "ja")),
    }
    assert requested <= set(NAMES), requested - set(NAMES)


def test_unknown_source_lists_known_names():
    with pytest.raises(XmixError) as error:
        SOURCES.get("mnlii")
    assert "mnlii" in str(error.value) and "mnli" in str(error.value) and "pawsx.de" in str(error.value)


@pytest.mark.parametrize("name", NAMES)
def test_source_loads_and_is_well_formed(name):
    source = SOURCES.get(name)
    assert source.name == name and len(source.language) == 2 and source.description
    assert "/" in source.lineage and source.files
    for relative in source.files:
        assert (DATA_ROOT / relative).is_file(), relative
    examples = load(name)
    assert len(examples) > 0
    example_type, check = FORMAT_CHECKS[source.format]
    assert all(isinstance(example, example_type) for example in examples)
    check(source, examples)


def _check_classification(source, examples: list[PairExample]) -> None:
    assert len(source.labels) >= 2
    labels_seen = {example.label for example in examples}
    assert labels_seen <= set(range(len(source.labels))), labels_seen
    assert len(labels_seen) == len(source.labels)  # every class occurs: no mapping collapsed two


def _check_choices(source, examples: list[ChoiceExample]) -> None:
    widths = {len(example.choices) for example in examples}
    assert len(widths) == 1 and widths.pop() >= 2
    width = len(examples[0].choices)
    assert {example.label for example in examples} == set(range(width))
    assert all(example.context.strip() and all(c.strip() for c in example.choices) for example in examples)


def _check_spans(source, examples: list[SpanExample]) -> None:
    assert all(example.answers for example in examples)  # unanswerable questions are dropped
    aligned = sum(
        example.context[start:start + len(text)] == text
        for example in examples
        for text, start in example.answers[:1]  # training uses the first answer
    )
    assert aligned >= 0.99 * len(examples), f"{aligned}/{len(examples)} answers match their context"
    assert len({example.qid for example in examples}) == len(examples)  # predictions are keyed by qid


def _check_tags(source, examples: list[TagExample]) -> None:
    assert source.labels == tuple(sorted(set(source.labels)))
    assert all(len(example.tokens) == len(example.tags) > 0 for example in examples)
    assert {tag for example in examples for tag in example.tags} <= set(source.labels)


FORMAT_CHECKS = {
    Format.CLASSIFICATION: (PairExample, _check_classification),
    Format.MULTIPLE_CHOICE: (ChoiceExample, _check_choices),
    Format.EXTRACTIVE_QA: (SpanExample, _check_spans),
    Format.TAGGING: (TagExample, _check_tags),
}


def test_nli_sources_share_one_label_order():
    nli = [source for _, source in SOURCES.items() if "entailment" in source.labels]
    assert {source.name for source in nli} >= {"mnli", "snli", "anli", "kornli.ko", "ocnli.zh"}
    assert all(source.labels == NLI_LABELS == ("entailment", "neutral", "contradiction") for source in nli)


def test_udpos_sources_declare_all_17_upos_tags():
    assert len(UPOS_TAGS) == 17 and list(UPOS_TAGS) == sorted(UPOS_TAGS)
    udpos = [source for name, source in SOURCES.items() if name.startswith("udpos.")]
    assert len(udpos) >= 5 and all(source.labels == UPOS_TAGS for source in udpos)


def test_translations_carry_their_originals_lineage():
    lineage = {name: source.lineage for name, source in SOURCES.items()}
    assert lineage["kornli.ko"] == "xnli/test"
    assert lineage["siqa.pt"] == lineage["siqa"] == "siqa/train"
    assert lineage["hellaswag.ru"] == lineage["hellaswag.fa"] == "hellaswag/val"
    assert lineage["squad"] == lineage["squad2"] == "squad/train"
    assert {lineage[f"pawsx.{lang}"] for lang in ("de", "es", "fr", "ja", "ko", "zh")} == {"pawsx/dev"}


# The dataset a source comes from decides its task family (the zero-shot guard compares them).
FAMILY_OF_DATASET = {
    "mnli": families.NLI, "snli": families.NLI, "anli": families.NLI, "ocnli": families.NLI,
    "kornli": families.NLI,
    "pawsx": families.PARAPHRASE, "qqp": families.PARAPHRASE,
    "sst2": families.SENTIMENT,
    "squad": families.EXTRACTIVE_QA, "squad2": families.EXTRACTIVE_QA, "mlqa": families.EXTRACTIVE_QA,
    "tydiqa": families.EXTRACTIVE_QA,
    "hellaswag": families.COMMONSENSE, "commonsenseqa": families.COMMONSENSE, "siqa": families.COMMONSENSE,
    "copa": families.COMMONSENSE, "cosmosqa": families.COMMONSENSE,
    "panx": families.NER, "udpos": families.POS,
}


def test_every_source_declares_its_datasets_family():
    wrong = {name: source.family for name, source in SOURCES.items()
             if source.family != FAMILY_OF_DATASET.get(name.split(".")[0])}
    assert not wrong, wrong


def test_sources_pickle_for_ray_workers():
    for name, source in SOURCES.items():
        assert pickle.loads(pickle.dumps(source)).name == name


def test_sst2_is_single_sentence():
    assert all(example.text_b is None for example in load("sst2"))


def test_copa_context_spells_out_the_question():
    contexts = [example.context for example in load("copa")]
    assert all(c.endswith(("What was the cause?", "What was the effect?")) for c in contexts)


# --- malformed input names file and line -------------------------------------------------

MALFORMED = [
    ("anli", "anli/dev-R1.jsonl",
     '{"premise": "p", "hypothesis": "h", "label": "e"}\n{"premise": "p", "hypothesis": "h", "label": "x"}\n', 2),
    ("pawsx.de", "pawsx/dev-de.tsv", "a\tb\t1\na\tb\n", 2),
    ("kornli.ko", "kornli/xnli.test.ko.tsv", "sentence1\tsentence2\tgold_label\na\tb\tentailment\na\tb\tmaybe\n", 3),
    ("commonsenseqa", "csqa/train_rand_split.first4000.jsonl", '{"answerKey": "A"}\n', 1),
    ("hellaswag", "hellaswag/hellaswag_train.first3368.jsonl", '{"ctx": "c", "endings": ["a", "b"], "label": 0}\n', 1),
    ("copa", "copa_en/train-en.jsonl", "not json\n", 1),
    ("udpos.en", "udpos/train-en.tsv", "The\tDET\ndog\tNOUN\n\nRuns\tVERBB\n", 4),
    ("siqa", "siqa/train_1.first4000.csv",
     ",context,question,answerA,answerB,answerC,correct\n0,c,q,a,b,c,D\n", 2),
]


@pytest.mark.parametrize("name, relative, content, line", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_input_names_file_and_line(tmp_path, name, relative, content, line):
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(XmixError) as error:
        SOURCES.get(name).read(tmp_path)
    assert f"{path}:{line}" in str(error.value)


def test_missing_file_is_an_xmix_error(tmp_path):
    with pytest.raises(XmixError, match="file not found"):
        SOURCES.get("mnli").read(tmp_path)


# --- MLQA halves ---------------------------------------------------------------------------

def test_half_of_is_stable_and_balanced():
    keys = [f"question-{index}" for index in range(4000)]
    halves = [half_of(key) for key in keys]
    assert halves == [half_of(key) for key in keys] and set(halves) == set(HALVES)
    assert 0.45 < halves.count(TRAIN_HALF) / len(keys) < 0.55
    # Pinned: sha256("a") starts 0xca (even -> train), sha256 of this MLQA id starts 0x35
    # (odd -> eval). A change of hashing scheme would silently move MLQA questions.
    assert half_of("a") == TRAIN_HALF
    assert half_of("569666f4dc3983dab5624e989212c1d9d0cd1798") == EVAL_HALF


def _mlqa_ids(language: str) -> list[str]:
    return [example.qid for example in read_squad(DATA_ROOT / mlqa_file(language))]


def test_mlqa_sources_use_only_the_train_half():
    for language in ("ar", "de", "es", "hi", "vi", "zh"):
        source = SOURCES.get(f"mlqa.{language}")
        assert (source.lineage, source.part) == ("mlqa/dev", TRAIN_HALF)


@pytest.mark.parametrize("language", MLQA_LANGUAGES)
def test_mlqa_halves_partition_each_file(language):
    halves = mlqa_halves(DATA_ROOT)
    ids = _mlqa_ids(language)
    train = {qid for qid in ids if halves[qid] == TRAIN_HALF}
    evaluation = {qid for qid in ids if halves[qid] == EVAL_HALF}
    assert train.isdisjoint(evaluation) and train | evaluation == set(ids)
    assert 0.3 < len(train) / len(ids) < 0.7, len(train) / len(ids)
    assert {example.qid for example in load(f"mlqa.{language}")} == train


def test_mlqa_split_of_an_id_is_the_same_in_every_language():
    trained = {language: {example.qid for example in load(f"mlqa.{language}")} for language in MLQA_LANGUAGES}
    ids = {language: set(_mlqa_ids(language)) for language in MLQA_LANGUAGES}
    shared_checked = 0
    for first in MLQA_LANGUAGES:
        for second in MLQA_LANGUAGES:
            for qid in ids[first] & ids[second]:
                assert (qid in trained[first]) == (qid in trained[second]), (qid, first, second)
                shared_checked += 1
    assert shared_checked > 5000  # MLQA really is parallel: ids recur across languages


@pytest.mark.parametrize("language", MLQA_LANGUAGES)
def test_mlqa_no_paragraph_is_on_both_sides(language):
    halves = mlqa_halves(DATA_ROOT)
    side_of_context: dict[str, set[str]] = {}
    for example in read_squad(DATA_ROOT / mlqa_file(language)):
        side_of_context.setdefault(example.context, set()).add(halves[example.qid])
    assert all(len(sides) == 1 for sides in side_of_context.values())


def test_malformed_squad_json_names_the_file(tmp_path):
    path = tmp_path / "squad_v2/train-v2.0.first7articles.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"data": [{"title": "no paragraphs"}]}', encoding="utf-8")
    with pytest.raises(XmixError, match=r"train-v2\.0\.first7articles\.json: malformed SQuAD JSON .*paragraphs"):
        SOURCES.get("squad2").read(tmp_path)
