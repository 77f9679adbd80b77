"""Mewsli-X: multilingual entity linking as retrieval; "map@20" (MRR@20) per mention language.

**No Mewsli-X data is offline** (it is only on Google Cloud Storage; see
``../shared/data/MANIFEST.md``). The reader follows the layout xtreme's
``download_data.sh`` produces, and the schema of ``third_party/utils_mewslix.py``:

* ``mewslix/candidate_set_entities.jsonl``: one ``Entity`` per line (``entity_id``,
  ``title``, ``description``, ``sentence_spans``, ``description_language``,
  ``description_url``): the candidate pool, shared by all languages;
* ``mewslix/wikinews_mentions-{dev,test}.jsonl``: one ``ContextualMention`` per
  line (``context`` with ``language``, ``text``, ``sentence_spans``; ``mention``
  with ``example_id``, ``mention_span`` {start, end, text}, ``entity_id``), all
  languages in one file, so the languages are read from the file.

Queries and candidates are the strings of the official baseline preprocessing
(``preprocess_mention``: the mention's sentence with the mention in ``{ }``,
prefixed by the mention text; ``preprocess_entity_description``: the description's
sentences). Retrieval ranks the whole pool by cosine of mean-pooled embeddings;
the metric is ``evaluation.metrics.mrr_at_k`` with k = ``RANKING_K`` = 20, which is what
``utils_mewslix.evaluate`` computes and XTREME-R reports as map@20.

Deviations: no stage 2. XTREME-R fine-tunes a dual encoder on the English
Wikipedia mention-entity pairs (``wikipedia_pairs-train.jsonl``); xmix has no
retrieval head, so (as for Tatoeba and LAReQA) the stage-1 encoder is used
zero-shot. The tests use a small fixture in the official format
(``tests/fixtures/mewslix/``).

Eval sets: search = the dev mentions, report = the test mentions (both labelled
in the official download); the candidate pool is shared by both. A split named
explicitly is cut in two by ``role_of`` of the mention's example id.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from evaluation.errors import XmixError
from evaluation.examples import CandidatePool, RankingExample
from evaluation.fields import text_field
from evaluation.metrics import RANKING_K, mrr_at_k, reciprocal_rank_units
from evaluation.readers import read_jsonl
from evaluation.targets.ranking import RANKING_KIND
from evaluation.targets.registry import Target, register_target

CANDIDATES = "mewslix/candidate_set_entities.jsonl"
MENTIONS = "mewslix/wikinews_mentions-{split}.jsonl"

# utils_mewslix.py: the mention is marked with braces; existing "{...}" become "(...)".
_MARKER_L, _MARKER_R = "{", "}"
_ESCAPE = re.compile(rf"{re.escape(_MARKER_L)}(.*?){re.escape(_MARKER_R)}")


def _normalise_space(text: str) -> str:
    # As utils_mewslix.py: newlines -> spaces, one pass of "  " -> " ", strip.
    return " ".join(text.splitlines()).replace("  ", " ").strip()


# Empty strings are let through: the span checks below catch the records that matter.
_string = functools.partial(text_field, allow_empty=True)


def _spans(value, where: str, field: str) -> list[tuple[int, int]]:
    try:
        spans = [(int(s["start"]), int(s["end"])) for s in value]
    except (KeyError, TypeError, ValueError):
        raise XmixError(f"{where}: field {field!r} must be a list of {{start, end}} objects") from None
    for start, end in spans:
        if not 0 <= start < end:
            raise XmixError(f"{where}: {field} has a non-monotonic span ({start}, {end})")
    return spans


def entity_text(record: dict, where: str) -> tuple[str, str]:
    """(entity id, preprocessed description) for one ``Entity`` line."""
    entity_id = _string(record, "entity_id", where)
    description = _string(record, "description", where)
    spans = _spans(record.get("sentence_spans"), where, "sentence_spans")
    if any(end > len(description) for _, end in spans):
        raise XmixError(f"{where}: a sentence span ends after the description ({len(description)} characters)")
    return entity_id, _normalise_space(" ".join(description[start:end] for start, end in spans))


def mention_query(record: dict, where: str) -> tuple[str, str, str, str]:
    """(language, example id, query string, gold entity id) for one ``ContextualMention`` line."""
    context, mention = (record.get("context"), record.get("mention")) if isinstance(record, dict) else (None, None)
    if not isinstance(context, dict) or not isinstance(mention, dict):
        raise XmixError(f"{where}: expected a ContextualMention with 'context' and 'mention' objects")
    language = _string(context, "language", where)
    text = _string(context, "text", where)
    sentences = _spans(context.get("sentence_spans"), where, "context.sentence_spans")
    span = mention.get("mention_span")
    if not isinstance(span, dict):
        raise XmixError(f"{where}: mention.mention_span must be an object {{start, end, text}}")
    (start, end), = _spans([span], where, "mention.mention_span")
    surface = _string(span, "text", where)
    if text[start:end] != surface:
        raise XmixError(f"{where}: mention text {surface!r} != context[{start}:{end}] {text[start:end]!r}")
    # The first sentence fully containing the mention (Span.locate_in), window of 0 sentences.
    focus = next(((s, e) for s, e in sentences if s <= start < e and s < end <= e), None)
    if focus is None:
        raise XmixError(f"{where}: the mention crosses sentence boundaries or lies outside every sentence")
    left = _ESCAPE.sub(r"(\1)", text[focus[0]:start])
    right = _ESCAPE.sub(r"(\1)", text[end:focus[1]])
    query = _normalise_space(f"{surface}: {left} {_MARKER_L} {surface} {_MARKER_R} {right}")
    return language, _string(mention, "example_id", where), query, _string(mention, "entity_id", where)


def _stamp(path: Path) -> tuple[str, float, int]:
    stat = path.stat()
    return str(path), stat.st_mtime, stat.st_size


@functools.lru_cache(maxsize=2)
def _load_pool(stamp: tuple[str, float, int]) -> CandidatePool:
    path = Path(stamp[0])
    ids, texts, seen = [], [], set()
    for line, record in read_jsonl(path):
        entity_id, text = entity_text(record, f"{path}:{line}")
        if entity_id in seen:
            raise XmixError(f"{path}:{line}: entity {entity_id!r} listed twice")
        seen.add(entity_id)
        ids.append(entity_id)
        texts.append(text)
    if not ids:
        raise XmixError(f"{path}: no candidate entities")
    return CandidatePool(f"mewslix: {len(ids)} entities", tuple(ids), tuple(texts))


@functools.lru_cache(maxsize=4)
def _load_mentions(stamp: tuple[str, float, int]) -> dict[str, list[tuple[str, str, str]]]:
    """{language: [(example id, query, gold entity id)]} in file order."""
    path = Path(stamp[0])
    by_language: dict[str, list[tuple[str, str, str]]] = {}
    for line, record in read_jsonl(path):
        language, example_id, query, entity_id = mention_query(record, f"{path}:{line}")
        by_language.setdefault(language, []).append((example_id, query, entity_id))
    return by_language


def read_mewslix(root: Path, language: str, split: str) -> list[RankingExample]:
    root = Path(root)
    mentions_path, candidates_path = (root / MENTIONS.format(split=split), root / CANDIDATES)
    for path in (mentions_path, candidates_path):
        if not path.is_file():
            raise XmixError(f"{path}: file not found (Mewsli-X is not in the offline data; see MANIFEST.md)")
    pool = _load_pool(_stamp(candidates_path))
    mentions = _load_mentions(_stamp(mentions_path)).get(language, [])
    known = set(pool.ids)
    examples = []
    for example_id, query, entity_id in mentions:
        if entity_id not in known:
            raise XmixError(f"{mentions_path}: mention {example_id!r} links {entity_id!r}, "
                            f"which is not in {candidates_path}")
        examples.append(RankingExample(example_id, query, (entity_id,), pool))
    return examples


def score_mewslix(examples, ranked) -> dict[str, float]:
    return {"map@20": mrr_at_k(list(ranked), [e.relevant for e in examples], k=RANKING_K)}


def mewslix_units(examples, ranked):
    return reciprocal_rank_units(list(ranked), [e.relevant for e in examples], k=RANKING_K)


@dataclass(frozen=True)
class MewsliXTarget(Target):
    """All languages share one mentions file, so languages come from its records."""

    def files(self, language: str, split: str) -> tuple[str, ...]:
        return (MENTIONS.format(split=split), CANDIDATES)

    def available_languages(self, root: Path, split: str) -> list[str]:
        root = Path(root)
        mentions_path = root / MENTIONS.format(split=split)
        if not (mentions_path.is_file() and (root / CANDIDATES).is_file()):
            return []
        return sorted(_load_mentions(_stamp(mentions_path)))


MEWSLIX = register_target(MewsliXTarget(
    name="mewslix",
    **RANKING_KIND,
    metric_fn=mrr_at_k,  # one gold entity per mention: MRR@20 is XTREME-R's Mewsli-X "map@20"
    file_patterns=(MENTIONS, CANDIDATES),
    read=read_mewslix,
    score=score_mewslix,
    unit_scores=mewslix_units,
    splits=("dev", "test"), default_split="dev", report_split="test",
    description="entity linking as retrieval over candidate entity descriptions; MRR@20 (map@20)",
))
