"""Spec -> Optuna define-by-run space, baselines, and params -> mixture.

A mixture is ``english_share`` plus a point on the simplex inside each language
group. Inside a group, each source gets ``u_<source>`` in (0, 1] and its weight is
-log(u) normalised: with u uniform this is a uniform (Dirichlet(1)) draw on the
simplex, and equal u's give equal weights, so the baselines are exact corners.
This module only translates; Optuna and Tune do the searching.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from evaluation.errors import XmixError
from training.sources import SOURCES

SHARE = "english_share"
EQUAL_U = 0.5  # any equal value gives equal weights inside a group
U_LOW = 1e-3  # keeps -log(u) finite: one source can weigh at most ~10x a median one


@dataclass(frozen=True)
class Groups:
    english: tuple[str, ...]
    non_english: tuple[str, ...]

    @classmethod
    def of(cls, sources: Sequence[str]) -> "Groups":
        english = tuple(s for s in sources if SOURCES.get(s).is_english)
        return cls(english, tuple(s for s in sources if s not in english))

    @property
    def searched_share(self) -> bool:
        return bool(self.english) and bool(self.non_english)


def u_key(source: str) -> str:
    # "/" would nest the key: OptunaSearch unflattens "a/b" params into {"a": {"b": ...}}.
    return f"u_{source}"


@dataclass(frozen=True)
class MixtureSpace:
    """The define-by-run function OptunaSearch calls; it only suggests (ray#35319).

    A class, not a closure: Tune pickles the searcher (and this) into its
    experiment checkpoint.
    """

    groups: Groups

    def __call__(self, trial) -> None:
        if self.groups.searched_share:
            trial.suggest_float(SHARE, 0.0, 1.0)
        for group in (self.groups.english, self.groups.non_english):
            if len(group) > 1:
                for source in group:
                    trial.suggest_float(u_key(source), U_LOW, 1.0)


def _within(group: Sequence[str], params: Mapping[str, float]) -> dict[str, float]:
    if len(group) == 1:
        return {group[0]: 1.0}
    raw = {s: -math.log(params.get(u_key(s), EQUAL_U)) for s in group}
    total = sum(raw.values())
    if total == 0:
        # Every u at the upper bound 1.0 (GP and TPE do propose bounds): equal u's, equal weights.
        return {s: 1.0 / len(group) for s in group}
    return {s: value / total for s, value in raw.items()}


def english_share(groups: Groups, params: Mapping[str, float]) -> float:
    if groups.searched_share:
        return float(params[SHARE])
    return 1.0 if groups.english else 0.0


def mixture_from_params(groups: Groups, params: Mapping[str, float]) -> dict[str, float]:
    share = english_share(groups, params)
    mixture = {}
    for group, group_share in ((groups.english, share), (groups.non_english, 1.0 - share)):
        if group:
            for source, weight in _within(group, params).items():
                mixture[source] = group_share * weight
    return mixture


def baseline_points(groups: Groups, names: Sequence[str]) -> list[tuple[str, dict[str, float]]]:
    """Each baseline as Optuna params, in the order the spec lists them."""
    equal = {u_key(s): EQUAL_U for group in (groups.english, groups.non_english) if len(group) > 1 for s in group}
    total = len(groups.english) + len(groups.non_english)
    shares = {"english_only": 1.0, "non_english_only": 0.0, "uniform": len(groups.english) / total}
    points = []
    for name in names:
        needed = {"english_only": groups.english, "non_english_only": groups.non_english}.get(name, True)
        if not needed:
            group = "English" if name == "english_only" else "non-English"
            raise XmixError(f"search.baselines: {name} needs at least one {group} source in "
                            "intermediate.sources")
        point = dict(equal)
        if groups.searched_share:
            point[SHARE] = shares[name]
        points.append((name, point))
    return points


def baseline_of(params: Mapping[str, float], points: Sequence[tuple[str, dict[str, float]]]) -> str:
    """Which baseline these params are (exact match), else "none"."""
    for name, point in points:
        if all(math.isclose(params.get(k, math.nan), v, abs_tol=1e-12) for k, v in point.items()):
            return name
    return "none"
