"""Results of a snapshot: its tidy statistics, scale scores, progress across waves, and one
practice's standing against its cohort.

Statistics and progress are for analysts. Scores and benchmarks are for facilitators too, who
see only their assigned practices (a practice is its unit id field's value, e.g. "PRA-001");
another practice answers 404, as if it did not exist. Numbers that cannot be computed are null.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from flask import Response, current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from plugin.service.auth import caller, may_see_practice, require
from plugin.service.errors import ApiProblem
from plugin.service.tasks import (
    Decoded,
    SnapshotUnusable,
    cache,
    decoded,
    scored,
    statistics,
    unit_of,
)
from scoring.benchmark import FeedbackItem, unit_feedback
from scoring.questions import Options
from scoring.scale_stats import ALL_WAVES, BASELINE_TO_LATEST
from scoring.tidy import TIDY_COLUMNS

blp = Blueprint("results", __name__, description="Statistics, scores, progress and benchmarks")
NUMBERS = ("value", "n", "ci_low", "ci_high")
CHANGE_WAVES = (BASELINE_TO_LATEST, ALL_WAVES)


class TidyRowOut(Schema):
    class Meta:
        ordered = True

    instrument = fields.String()
    version = fields.String()
    field = fields.String()
    label = fields.String()
    choice_code = fields.String()
    choice_label = fields.String()
    group_by = fields.String()
    group = fields.String()
    wave = fields.String()
    statistic = fields.String()
    value = fields.Float(allow_none=True)
    n = fields.Float(allow_none=True)
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    note = fields.String()


class TableOut(Schema):
    snapshot_id = fields.Integer()
    instrument = fields.String()
    version = fields.String()
    rows = fields.List(fields.Nested(TidyRowOut))


class StatisticsQuery(Schema):
    by = fields.String(
        metadata={"description": "a grouping field: each group's rows beside the overall ones"}
    )
    waves = fields.Boolean(
        load_default=False, metadata={"description": "add the change across waves (per group too)"}
    )
    suppress_below = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "withhold counts below N, and the cells that would reveal them"},
    )
    partials = fields.String(
        load_default="include",
        validate=validate.OneOf(["include", "exclude"]),
        metadata={"description": "partial responses: for the questions they answered, or not"},
    )
    adjust = fields.String(
        validate=validate.OneOf(["holm", "fdr_bh"]),
        metadata={"description": "adjust the group tests' p-values across the family"},
    )
    wave = fields.String(metadata={"description": "only this wave (e.g. baseline)"})
    field = fields.String(metadata={"description": "only this field or scale"})
    statistic = fields.String(metadata={"description": "only this statistic (e.g. percent)"})


class ProgressQuery(Schema):
    field = fields.String(metadata={"description": "only this scale"})
    statistic = fields.String(metadata={"description": "only this statistic (e.g. mean_change)"})


class PracticeQuery(Schema):
    practice = fields.String(metadata={"description": "the practice's unit id, e.g. PRA-001"})
    wave = fields.String(metadata={"description": "only this wave (e.g. baseline)"})


class BenchmarkQuery(Schema):
    practice = fields.String(required=True)
    wave = fields.String(metadata={"description": "default: the practice's latest scored wave"})


class ScaleOut(Schema):
    name = fields.String()
    label = fields.String()
    kind = fields.String()


class ScoreRowOut(Schema):
    unit = fields.String()
    record = fields.String()
    wave = fields.String()
    wave_index = fields.Integer()
    months = fields.Float(allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    bands = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class ScoresOut(Schema):
    snapshot_id = fields.Integer()
    instrument = fields.String()
    version = fields.String()
    scales = fields.List(fields.Nested(ScaleOut))
    rows = fields.List(fields.Nested(ScoreRowOut))


class BenchmarkOut(Schema):
    score = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    cohort_n = fields.Integer()
    cohort_median = fields.Float(allow_none=True)
    cohort_q1 = fields.Float(allow_none=True)
    cohort_q3 = fields.Float(allow_none=True)
    percentile_rank = fields.Float(allow_none=True)
    note = fields.String()


class FeedbackOut(Schema):
    kind = fields.String()
    reason = fields.String()
    score = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    reference = fields.Float(allow_none=True)
    sentence = fields.String()


class BenchmarksOut(Schema):
    snapshot_id = fields.Integer()
    practice = fields.String()
    wave = fields.String()
    wave_index = fields.Integer()
    benchmarks = fields.List(fields.Nested(BenchmarkOut))
    strengths = fields.List(fields.Nested(FeedbackOut))
    opportunities = fields.List(fields.Nested(FeedbackOut))


def snapshot_or_problem(snapshot_id: int) -> Decoded:
    try:
        return decoded(current_app, snapshot_id)
    except SnapshotUnusable as exc:
        raise ApiProblem(exc.status, exc.message) from None


def visible_unit(found: Decoded, practice: str) -> str:
    """The unit the caller asked for, or 404: not in the snapshot, or not the caller's."""
    unit = unit_of(found.responses, practice)
    if unit is None or not may_see_practice(unit):
        raise ApiProblem(404, f"there is no practice '{practice}' in snapshot {found.snapshot.id}")
    return unit


def number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    found = float(value)
    return None if math.isnan(found) else found


def table_answer(found: Decoded, table: pd.DataFrame, query: dict[str, Any]) -> dict[str, Any]:
    for column in ("wave", "field", "statistic"):
        if column in query:
            table = table.loc[table[column] == query[column]]
    rows = [
        {c: number(row[c]) if c in NUMBERS else str(row[c]) for c in TIDY_COLUMNS}
        for row in table.to_dict("records")
    ]
    instrument = found.instrument
    return {
        "snapshot_id": found.snapshot.id,
        "instrument": instrument.id,
        "version": instrument.version,
        "rows": rows,
    }


@blp.route("/snapshots/<int:snapshot_id>/statistics")
class Statistics(MethodView):
    @require("analyst")
    @blp.arguments(StatisticsQuery, location="query")
    @blp.response(200, TableOut)
    def get(self, query: dict[str, Any], snapshot_id: int) -> dict[str, Any]:
        """The tidy statistics table (scoring.statistics, as ``qiscan stats`` writes it), filtered
        by wave, field, statistic."""
        found = snapshot_or_problem(snapshot_id)
        options = Options(
            suppress_below=query.get("suppress_below"),
            partials=query["partials"],
            adjust=query.get("adjust"),
        )
        try:
            table = statistics(
                current_app, snapshot_id, by=query.get("by"), waves=query["waves"], options=options
            )
        except ValueError as exc:
            raise ApiProblem(
                422, "the request has invalid fields; see errors", {"by": [str(exc)]}
            ) from None
        return table_answer(found, table, query)


@blp.route("/snapshots/<int:snapshot_id>/progress")
class ChangeAcrossWaves(MethodView):
    @require("analyst")
    @blp.arguments(ProgressQuery, location="query")
    @blp.response(200, TableOut)
    def get(self, query: dict[str, Any], snapshot_id: int) -> dict[str, Any]:
        """The scales' change from baseline to each unit's latest wave, and across all waves."""
        found = snapshot_or_problem(snapshot_id)
        table = statistics(current_app, snapshot_id, by=None, waves=True)
        return table_answer(found, table.loc[table["wave"].isin(CHANGE_WAVES)], query)


@blp.route("/snapshots/<int:snapshot_id>/scores")
class Scores(MethodView):
    @require("facilitator")
    @blp.arguments(PracticeQuery, location="query")
    @blp.response(200, ScoresOut)
    def get(self, query: dict[str, Any], snapshot_id: int) -> Response:
        """Every scale's score per practice and wave (a facilitator: their practices only)."""
        found = snapshot_or_problem(snapshot_id)
        answer = score_rows(snapshot_id)
        rows = answer["rows"]
        if "practice" in query:
            unit = visible_unit(found, query["practice"])
            rows = [row for row in rows if row["unit"] == unit]
        elif caller().role == "facilitator":
            mine = set(caller().practices or [])
            rows = [row for row in rows if row["unit"] in mine]
        if "wave" in query:
            rows = [row for row in rows if row["wave"] == query["wave"]]
        # The rows are plain JSON already (the schema above documents them): no second dump.
        return jsonify({**answer, "rows": rows})


def score_rows(snapshot_id: int) -> dict[str, Any]:
    """Every scored row of the snapshot as the scores endpoint answers it (cached)."""

    def make() -> dict[str, Any]:
        found = snapshot_or_problem(snapshot_id)
        made = scored(current_app, snapshot_id)
        data, frame = made.long, found.responses.frame
        names = [info.name for info in made.scores.scales]
        records = frame[found.instrument.record_id].astype("object").to_numpy()
        wave_names = frame["wave"].astype("object").to_numpy()
        bands = made.scores.frame[[f"{name}__band" for name in names]].astype("object")
        rows = [
            {
                "unit": str(row["unit"]),
                "record": str(record),
                "wave": str(wave),
                "wave_index": int(row["wave_index"]),
                "months": number(row["months"]),
                "scores": {name: number(row[name]) for name in names},
                "bands": {name: band(value) for name, value in zip(names, banded, strict=True)},
            }
            for row, record, wave, banded in zip(
                data.to_dict("records"), records, wave_names, bands.to_numpy(), strict=True
            )
        ]
        return {
            "snapshot_id": snapshot_id,
            "instrument": found.instrument.id,
            "version": found.instrument.version,
            "scales": [
                {"name": i.name, "label": i.label, "kind": i.kind} for i in made.scores.scales
            ],
            "rows": rows,
        }

    found: dict[str, Any] = cache(current_app, "score_rows", 8).get(snapshot_id, make)
    return found


def band(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


@blp.route("/snapshots/<int:snapshot_id>/benchmarks")
class Benchmarks(MethodView):
    @require("facilitator")
    @blp.arguments(BenchmarkQuery, location="query")
    @blp.response(200, BenchmarksOut)
    def get(self, query: dict[str, Any], snapshot_id: int) -> dict[str, Any]:
        """One practice against its cohort at a wave, with strengths and opportunities."""
        found = snapshot_or_problem(snapshot_id)
        unit = visible_unit(found, query["practice"])
        made = scored(current_app, snapshot_id)
        data = made.long
        names = [info.name for info in made.scores.scales]
        labels = {info.name: info.label for info in made.scores.scales}
        waves = found.responses.frame["wave"].astype("object")
        mine = (data["unit"] == unit) & data[names].notna().any(axis=1)
        if "wave" in query:
            mine &= waves == query["wave"]
        if not mine.any():
            at = f" at wave '{query['wave']}'" if "wave" in query else ""
            raise ApiProblem(404, f"practice '{query['practice']}' has no scores{at}")
        picked = mine.to_numpy(dtype=bool)
        wave_index = int(data.loc[picked, "wave_index"].to_numpy()[-1])
        wave = str(waves.loc[picked].to_numpy()[-1])
        feedback = unit_feedback(data, unit, names, wave_index=wave_index, labels=labels)
        benchmarks = [
            {
                "score": row["score"],
                "label": labels.get(row["score"], row["score"]),
                "value": number(row["value"]),
                "cohort_n": int(row["cohort_n"]),
                "cohort_median": number(row["cohort_median"]),
                "cohort_q1": number(row["cohort_q1"]),
                "cohort_q3": number(row["cohort_q3"]),
                "percentile_rank": number(row["percentile_rank"]),
                "note": str(row["note"]),
            }
            for row in feedback.benchmarks.to_dict("records")
        ]
        return {
            "snapshot_id": snapshot_id,
            "practice": str(unit),
            "wave": wave,
            "wave_index": wave_index,
            "benchmarks": benchmarks,
            "strengths": [item_answer(item) for item in feedback.strengths],
            "opportunities": [item_answer(item) for item in feedback.opportunities],
        }


def item_answer(item: FeedbackItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "reason": item.reason,
        "score": item.score,
        "label": item.label,
        "value": number(item.value),
        "reference": number(item.reference),
        "sentence": item.sentence,
    }
