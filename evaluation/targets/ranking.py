"""Shared parts of the ranking targets (LAReQA, Mewsli-X): a query's ranked ids
scored against its relevant ids, read from ``{query id: [ids]}`` JSON by ``xmix score``."""
from __future__ import annotations

from typing import Any

from evaluation import families
from evaluation.examples import Format, RankingExample
from evaluation.metrics import mean_percent
from evaluation.targets.registry import PredictionFormat


def query_key(example: RankingExample, index: int) -> str:
    """The query id: the same in every language of a parallel set (LAReQA), one per mention (Mewsli-X)."""
    return example.qid


# The Target fields both ranking targets share; each spreads them
# (``Target(name=..., **RANKING_KIND, ...)``) and adds its own metric.
RANKING_KIND: dict[str, Any] = dict(
    family=families.RETRIEVAL, group="retrieval", format=Format.RANKING, half_key=query_key,
    # XTREME-R's column name for both; Mewsli-X's metric_fn computes MRR@20 under it.
    metric="map@20", prediction_format=PredictionFormat.RANKINGS, prediction_extensions=("json",),
    from_units=mean_percent,
)
