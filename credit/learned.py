"""The learned card: a monotonic binned logistic scorecard (optbinning) fitted on loan outcomes,
converted into the same points-table format as the expert card and compared on a hold-out.

No ORM here: rows of feature values and outcomes in, a table plus metrics out.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from credit import scorecard

HOLDOUT_SHARE = 0.3
RANDOM_STATE = 2026  # the fit is deterministic for the same file


@dataclass(frozen=True)
class TrainingRow:
    values: Mapping[str, float | None]
    is_defaulted: bool


@dataclass(frozen=True)
class Metrics:
    auc: float
    ks: float
    gini: float

    def as_dict(self) -> dict[str, float]:
        return {"auc": round(self.auc, 4), "ks": round(self.ks, 4), "gini": round(self.gini, 4)}


@dataclass(frozen=True)
class LearnedFit:
    table: dict[str, Any]
    learned: Metrics
    expert: Metrics
    train_count: int
    holdout_count: int
    trends: dict[str, str]  # feature → "descending"/"ascending"/"flat" points with the value


def metrics_for(scores: Sequence[float], defaults: Sequence[bool]) -> Metrics:
    """AUC, KS and Gini of a score where higher means safer (so defaults should score low)."""
    risk = [-s for s in scores]
    labels = [int(d) for d in defaults]
    auc = float(roc_auc_score(labels, risk))
    fpr, tpr, _thresholds = roc_curve(labels, risk)
    ks = float(max(abs(t - f) for t, f in zip(tpr, fpr, strict=True)))
    return Metrics(auc=auc, ks=ks, gini=2 * auc - 1)


def _trend(bins: Sequence[Mapping[str, Any]]) -> str:
    points = [b["points"] for b in bins]
    if len(set(points)) <= 1:
        return "flat"
    if all(a >= b for a, b in itertools.pairwise(points)):
        return "descending"
    if all(a <= b for a, b in itertools.pairwise(points)):
        return "ascending"
    return "mixed"


def fit(
    rows: Sequence[TrainingRow], *, expert_table: Mapping[str, Any], tiers: Sequence[Any]
) -> LearnedFit:
    """Fit on 70 % of the rows (stratified), score the other 30 % with both cards."""
    # optbinning (and its solver) take ~5 s to import; only a fit pays for it, not every
    # web process that imports credit.services.
    import pandas as pd
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    names = list(scorecard.FEATURE_NAMES)
    frame = pd.DataFrame(
        [
            {
                name: (math.nan if row.values.get(name) is None else row.values[name])
                for name in names
            }
            for row in rows
        ],
        columns=names,
        dtype=float,
    )
    target = np.array([int(row.is_defaulted) for row in rows])
    train_index, holdout_index = train_test_split(
        np.arange(len(rows)), test_size=HOLDOUT_SHARE, stratify=target, random_state=RANDOM_STATE
    )
    usable = [name for name in names if frame.iloc[train_index][name].notna().sum() > 0]
    process = BinningProcess(
        variable_names=usable,
        binning_fit_params={name: {"monotonic_trend": "auto_asc_desc"} for name in usable},
    )
    card = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(),
        scaling_method="min_max",
        scaling_method_params={"min": scorecard.SCORE_MIN, "max": scorecard.SCORE_MAX},
    )
    with warnings.catch_warnings():  # optbinning's own pandas deprecations, not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        card.fit(frame.iloc[train_index][usable], target[train_index])
        detail = card.table(style="detailed")
    features: dict[str, Any] = {}
    for name in usable:
        splits = list(card.binning_process_.get_binned_variable(name).splits)
        rows_of = detail[detail["Variable"] == name]
        regular = rows_of[~rows_of["Bin"].astype(str).isin(["Special", "Missing"])]
        points = [round(float(p)) for p in regular["Points"]]
        missing = rows_of[rows_of["Bin"].astype(str) == "Missing"]["Points"]
        uppers: list[float | None] = [float(s) for s in splits] + [None]
        features[name] = {
            "bins": [
                {"upper": upper, "points": p} for upper, p in zip(uppers, points, strict=True)
            ],
            "missing_points": round(float(missing.iloc[0])) if len(missing) else 0,
        }
    table = {
        "base_points": 0,
        "tiers": [list(t) for t in tiers],
        "minimum_activity": dict(expert_table.get("minimum_activity", {})),
        "features": features,
    }
    scorecard.validate_table(table)
    holdout = [rows[i] for i in holdout_index]
    defaults = [row.is_defaulted for row in holdout]
    learned_scores = [scorecard.score(table, row.values).score for row in holdout]
    expert_scores = [scorecard.score(expert_table, row.values).score for row in holdout]
    return LearnedFit(
        table=table,
        learned=metrics_for(learned_scores, defaults),
        expert=metrics_for(expert_scores, defaults),
        train_count=len(train_index),
        holdout_count=len(holdout_index),
        trends={name: _trend(spec["bins"]) for name, spec in features.items()},
    )
