"""Tatoeba: bitext retrieval xx -> eng with mean-pooled encoder states; accuracy.

No stage 2 (as in XTREME-R): the stage-1 encoder embeds both sides and each
sentence's nearest English sentence by cosine similarity is its prediction. The
spec may name a language by the data's ISO 639-3 code (``deu``) or by ISO 639-1
(``de``); metrics are keyed by the data's code.

Eval sets: the one (test) split is cut in two by ``role_of`` of the English
side (``english_key``), so an English sentence lands in the same set for every
language that translates it. Retrieval inside a set searches among that set's
English sentences only (the predictor embeds the English sides of the examples
it is given, and the gold index is the position in the set): about 500
candidates instead of 1,000, so accuracies run somewhat higher than on the
full file (the same sets for every configuration, so comparisons hold).
"""
from __future__ import annotations

from pathlib import Path

from evaluation.examples import BitextExample, Format
from evaluation.metrics import mean_percent, retrieval_accuracy, retrieval_accuracy_units
from evaluation.readers import read_text, text_lines
from evaluation.errors import XmixError
from evaluation import families
from evaluation.targets.registry import PredictionFormat, Target, register_target

# The sentences of a language, and line by line their English translations.
FILE_PATTERNS = ("tatoeba/tatoeba.{lang}-eng.{lang}", "tatoeba/tatoeba.{lang}-eng.eng")

ISO_639_1_TO_DATA = {
    "af": "afr", "ar": "ara", "bg": "bul", "bn": "ben", "de": "deu", "el": "ell", "es": "spa",
    "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin",
    "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat", "kk": "kaz",
    "ko": "kor", "ml": "mal", "mr": "mar", "nl": "nld", "pt": "por", "ru": "rus", "sw": "swh",
    "ta": "tam", "te": "tel", "th": "tha", "tl": "tgl", "tr": "tur", "ur": "urd", "vi": "vie",
    "zh": "cmn",
}


def read_tatoeba(root: Path, language: str, split: str) -> list[BitextExample]:
    source_path, english_path = (root / pattern.format(lang=language) for pattern in FILE_PATTERNS)
    # Line i of one file translates line i of the other, so both are split the way
    # a file is iterated (text_lines), never at U+2028 and the like inside a sentence.
    sources = text_lines(read_text(source_path))
    english = text_lines(read_text(english_path))
    if len(sources) != len(english):
        longer = source_path if len(sources) > len(english) else english_path
        raise XmixError(f"{source_path} has {len(sources)} lines but {english_path} has {len(english)}; "
                        f"{longer}:{min(len(sources), len(english)) + 1} is the first line without a translation")
    return [BitextExample(s, e) for s, e in zip(sources, english)]


def score_tatoeba(examples, predicted_index) -> dict[str, float]:
    # Example i's translation is English line i of the same (capped) set.
    return {"accuracy": retrieval_accuracy(list(predicted_index), list(range(len(examples))))}


def tatoeba_units(examples, predicted_index):
    """1.0 per sentence retrieved right. A resample of these rows keeps each row's own
    gold index; ``score_tatoeba`` of resampled examples would not (gold is the position)."""
    return retrieval_accuracy_units(list(predicted_index), list(range(len(examples))))


def english_key(example: BitextExample, index: int) -> str:
    return example.english


TATOEBA = register_target(Target(
    name="tatoeba",
    family=families.RETRIEVAL,
    group="retrieval",
    format=Format.RETRIEVAL,
    metric="accuracy",
    metric_fn=retrieval_accuracy,
    prediction_format=PredictionFormat.INDICES,
    file_patterns=FILE_PATTERNS,
    read=read_tatoeba,
    score=score_tatoeba,
    unit_scores=tatoeba_units,
    from_units=mean_percent,
    half_key=english_key,
    splits=("test",), default_split="test",
    language_aliases=ISO_639_1_TO_DATA,
    description="bitext retrieval xx->eng; accuracy",
))
