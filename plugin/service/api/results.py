"""Results of a snapshot: its tidy statistics, scale scores, progress across waves, and one
practice's standing against its cohort.

Statistics and progress are for analysts. Scores and benchmarks are for facilitators too, who
see only their assigned practices (a practice is its unit id field's value, e.g. "PRA-001");
another practice answers 404, as if it did not exist. Numbers that cannot be computed are null.

Every result reads the units :func:`scoring.units.check_units` keeps: a practice id that two
records give at one wave (a duplicate unit), and a row without one, are set aside rather than
stop everyone's results. Each answer lists what was set aside in ``data_quality`` (empty when
nothing was), with the records named; asking for a set-aside practice by its id or a record id
answers 409 with the same message, which says how to fix it.

A snapshot never changes, so each answer is kept as its JSON bytes per snapshot, query and
caller's scope (everything, or a facilitator's practices) with a strong ETag; a request that
sends that ETag in ``If-None-Match`` is answered 304 Not Modified. A pull job builds the
tables and the answers to the default queries for its new snapshot (the ``after_pull`` steps
at the end of this module), so the first request for it pays for none of them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from plugin.service.auth import caller, may_see_practice, require
from plugin.service.errors import ApiProblem
from plugin.service.tasks import after_pull, cache, decoded, unit_of
from plugin.snapshots import Loaded, SnapshotUnusable
from scoring.benchmark import FeedbackItem, unit_feedback
from scoring.questions import Options
from scoring.scale_stats import ALL_WAVES, BASELINE_TO_LATEST, long_scores, scale_scores
from scoring.scales import ScaleScores
from scoring.statistics import statistics_table
from scoring.tidy import TIDY_COLUMNS
from scoring.units import UnitCheck, check_units
from scoring.wave_scores import Threshold, change_statuses, thresholds

blp = Blueprint("results", __name__, description="Statistics, scores, progress and benchmarks")
NUMBERS = ("value", "n", "ci_low", "ci_high")
CHANGE_WAVES = (BASELINE_TO_LATEST, ALL_WAVES)
# Results are respondent data: only the caller's own client may keep them, and it asks again
# each time (with the ETag), so that a key's changed role or practices take effect at once.
CACHE_CONTROL = "private, no-cache"
NOT_MODIFIED = "not modified: the ETag sent in If-None-Match is still this answer's"
EVERYTHING = "all"  # the scope of a key that sees every practice


class TidyRowOut(Schema):
    """One row of the tidy statistics table (the columns of ``scoring.tidy``)."""

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


class SetAsideOut(Schema):
    """A practice or record set aside from the results, and why."""

    class Meta:
        ordered = True

    kind = fields.String(metadata={"description": "duplicate unit, or no unit id"})
    unit = fields.String(metadata={"description": "the practice id (blank: none given)"})
    wave = fields.String()
    records = fields.List(fields.String())
    message = fields.String(metadata={"description": "what was found, and how to fix it"})


DATA_QUALITY = fields.List(
    fields.Nested(SetAsideOut),
    metadata={
        "description": "the practices and records set aside from these results, and why (a "
        "facilitator sees only their own practices' entries)"
    },
)


class TableOut(Schema):
    """The answer of the statistics and progress endpoints: tidy rows of the snapshot, and what was
    set aside."""

    snapshot_id = fields.Integer()
    instrument = fields.String()
    version = fields.String()
    rows = fields.List(fields.Nested(TidyRowOut))
    data_quality = DATA_QUALITY


class StatisticsQuery(Schema):
    """How to make the statistics table (grouping, waves, suppression, partials, p-value adjustment)
    and which rows to keep."""

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
    """Which rows of the change across waves to keep."""

    field = fields.String(metadata={"description": "only this scale"})
    statistic = fields.String(metadata={"description": "only this statistic (e.g. mean_change)"})


class PracticeQuery(Schema):
    """Which scores to keep: one practice, one wave."""

    practice = fields.String(metadata={"description": "the practice's unit id, e.g. PRA-001"})
    wave = fields.String(metadata={"description": "only this wave (e.g. baseline)"})


class BenchmarkQuery(Schema):
    """The practice to set against its cohort, and the wave."""

    practice = fields.String(required=True)
    wave = fields.String(metadata={"description": "default: the practice's latest scored wave"})


class ScaleOut(Schema):
    """A scale or composite the scores hold."""

    name = fields.String()
    label = fields.String()
    kind = fields.String()


class ScoreRowOut(Schema):
    """One record's row: its practice and wave, and each scale's score and band."""

    unit = fields.String()
    record = fields.String()
    wave = fields.String()
    wave_index = fields.Integer()
    months = fields.Float(allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    bands = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class ScoresOut(Schema):
    """The answer of the scores endpoint: the scales, a row per practice and wave, and what was set
    aside."""

    snapshot_id = fields.Integer()
    instrument = fields.String()
    version = fields.String()
    scales = fields.List(fields.Nested(ScaleOut))
    rows = fields.List(fields.Nested(ScoreRowOut))
    data_quality = DATA_QUALITY


class BenchmarkOut(Schema):
    """One score of the practice beside its cohort: the cohort's size, median and quartiles, and the
    practice's percentile rank."""

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
    """A strength or opportunity of the practice: the score, why it was chosen, and the sentence its
    report shows."""

    kind = fields.String()
    reason = fields.String()
    score = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    reference = fields.Float(allow_none=True)
    sentence = fields.String()


class BenchmarksOut(Schema):
    """The answer of the benchmarks endpoint: one practice at one wave against its cohort, with its
    strengths and opportunities."""

    snapshot_id = fields.Integer()
    practice = fields.String()
    wave = fields.String()
    wave_index = fields.Integer()
    benchmarks = fields.List(fields.Nested(BenchmarkOut))
    strengths = fields.List(fields.Nested(FeedbackOut))
    opportunities = fields.List(fields.Nested(FeedbackOut))
    data_quality = DATA_QUALITY


def snapshot_or_problem(snapshot_id: int) -> Loaded:
    """The decoded snapshot; 404 when it is not there, 409 when it cannot be read with its
    instrument."""
    try:
        return decoded(current_app, snapshot_id)
    except SnapshotUnusable as exc:
        raise ApiProblem(exc.status, exc.message) from None


@dataclass(frozen=True, eq=False)
class Usable:
    """A snapshot's units that results can use (:func:`scoring.units.check_units`: ``check``
    holds their responses and what was set aside) and their scale scores, per row and long."""

    found: Loaded
    check: UnitCheck
    scores: ScaleScores
    long: pd.DataFrame

    @cached_property
    def thresholds(self) -> dict[str, Threshold]:
        """Each scale's reliable change, baseline to each unit's latest wave (as the practice
        report's change table has it)."""
        return thresholds(self.check.responses, self.scores, self.long)

    def data_quality(self) -> list[dict[str, Any]]:
        """What was set aside, as every answer lists it."""
        problems = self.check.problems.to_dict("records")
        return [
            {
                "kind": str(p["kind"]),
                "unit": str(p["unit"]),
                "wave": str(p["wave"]),
                "records": list(p["records"]),
                "message": message,
            }
            for p, message in zip(problems, self.check.messages(), strict=True)
        ]


def usable(snapshot_id: int) -> Usable:
    """The snapshot's usable units and their scores (cached per app: snapshots never change)."""

    def make() -> Usable:
        found = snapshot_or_problem(snapshot_id)
        check = check_units(found.responses)
        scores = scale_scores(check.responses)
        return Usable(found, check, scores, long_scores(check.responses, scores))

    made: Usable = cache(current_app, "usable", 8).get(snapshot_id, make)
    return made


def usable_statistics(
    snapshot_id: int, *, by: str | None, waves: bool, options: Options | None = None
) -> pd.DataFrame:
    """The tidy statistics table of the snapshot's usable units (cached); ValueError for a
    bad ``by``."""
    options = options or Options()

    def make() -> pd.DataFrame:
        responses = usable(snapshot_id).check.responses
        return statistics_table(responses, options, by=by, waves=waves)

    key = (snapshot_id, by, waves, options)
    found: pd.DataFrame = cache(current_app, "usable_statistics", 16).get(key, make)
    return found


def visible_unit(found: Loaded, practice: str) -> str:
    """The unit the caller asked for (its id trimmed, or a record id); 404 when it is not in
    the snapshot or not the caller's, 409 naming the records when it is set aside."""
    check = usable(found.snapshot.id).check
    unit = unit_of(check.responses, practice.strip())
    held = check.unit_of(practice) if unit is None else None
    if held is not None and may_see_practice(held):
        why = check.explain(practice) or ""
        raise ApiProblem(
            409,
            f"practice '{practice}' has no results in snapshot {found.snapshot.id}: its "
            "records are set aside; see errors",
            {"practice": [why]},
        )
    if unit is None or not may_see_practice(unit):
        raise ApiProblem(404, f"there is no practice '{practice}' in snapshot {found.snapshot.id}")
    return unit


def number(value: Any) -> float | None:
    """A table value as JSON takes it: a float, or None when missing or NaN."""
    if value is None or pd.isna(value):
        return None
    found = float(value)
    return None if math.isnan(found) else found


def table_answer(made: Usable, table: pd.DataFrame, query: dict[str, Any]) -> dict[str, Any]:
    """The answer of a statistics table: its rows (only the query's wave, field and statistic, when
    named) with the snapshot's id and instrument and what was set aside."""
    for column in ("wave", "field", "statistic"):
        if column in query:
            table = table.loc[table[column] == query[column]]
    rows = [
        {c: number(row[c]) if c in NUMBERS else str(row[c]) for c in TIDY_COLUMNS}
        for row in table.to_dict("records")
    ]
    instrument = made.found.instrument
    return {
        "snapshot_id": made.found.snapshot.id,
        "instrument": instrument.id,
        "version": instrument.version,
        "rows": rows,
        "data_quality": made.data_quality(),
    }


@dataclass(frozen=True)
class Answer:
    """An answer as sent: its JSON bytes, and the strong ETag that names them for one scope."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes, scope: str) -> Answer:
        """The answer ``body`` for callers of ``scope``: its ETag hashes both, so that an ETag
        kept by one scope never stands for another's answer."""
        digest = hashlib.blake2b(scope.encode() + b"\0" + body, digest_size=16).hexdigest()
        return cls(body, digest)


def caller_scope() -> str:
    """What the caller may see: everything, or (a facilitator) the sorted list of their
    practices, as JSON."""
    key = caller()
    if key.role != "facilitator":
        return EVERYTHING
    return json.dumps(sorted(set(key.practices or [])))


def kept_answer(endpoint: str, snapshot_id: int, query: dict[str, Any], scope: str) -> Answer:
    """The endpoint's answer to ``query`` for callers of ``scope``, made once per snapshot (its
    errors are raised each time, never kept)."""

    def make() -> Answer:
        body = jsonify(ANSWERS[endpoint](snapshot_id, query, scope)).get_data()
        return Answer.of(body, scope)

    key = (endpoint, snapshot_id, tuple(sorted(query.items())), scope)
    found: Answer = cache(current_app, "answers", 64).get(key, make)
    return found


def answered(endpoint: str, snapshot_id: int, query: dict[str, Any], scope: str) -> Response:
    """The kept answer as a response with its ETag, or 304 when ``If-None-Match`` names it."""
    answer = kept_answer(endpoint, snapshot_id, query, scope)
    if request.if_none_match.contains_weak(answer.etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(answer.body, mimetype="application/json")
    response.set_etag(answer.etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(("Authorization", "X-API-Key"))
    return response


@blp.route("/snapshots/<int:snapshot_id>/statistics")
class Statistics(MethodView):
    @require("analyst")
    @blp.arguments(StatisticsQuery, location="query")
    @blp.response(200, TableOut)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, query: dict[str, Any], snapshot_id: int) -> Response:
        """The tidy statistics table (scoring.statistics, as ``qiscan stats`` writes it), filtered
        by wave, field, statistic."""
        return answered("statistics", snapshot_id, query, EVERYTHING)


def statistics_answer(snapshot_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """The statistics endpoint's answer, as its schema dumps it."""
    made = usable(snapshot_id)
    options = Options(
        suppress_below=query.get("suppress_below"),
        partials=query["partials"],
        adjust=query.get("adjust"),
    )
    try:
        table = usable_statistics(
            snapshot_id, by=query.get("by"), waves=query["waves"], options=options
        )
    except ValueError as exc:
        raise ApiProblem(
            422, "the request has invalid fields; see errors", {"by": [str(exc)]}
        ) from None
    dumped: dict[str, Any] = TableOut().dump(table_answer(made, table, query))
    return dumped


@blp.route("/snapshots/<int:snapshot_id>/progress")
class ChangeAcrossWaves(MethodView):
    @require("analyst")
    @blp.arguments(ProgressQuery, location="query")
    @blp.response(200, TableOut)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, query: dict[str, Any], snapshot_id: int) -> Response:
        """The scales' change from baseline to each unit's latest wave, and across all waves."""
        return answered("progress", snapshot_id, query, EVERYTHING)


def progress_answer(snapshot_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """The progress endpoint's answer, as its schema dumps it."""
    made = usable(snapshot_id)
    table = usable_statistics(snapshot_id, by=None, waves=True)
    answer = table_answer(made, table.loc[table["wave"].isin(CHANGE_WAVES)], query)
    dumped: dict[str, Any] = TableOut().dump(answer)
    return dumped


@blp.route("/snapshots/<int:snapshot_id>/scores")
class Scores(MethodView):
    @require("facilitator")
    @blp.arguments(PracticeQuery, location="query")
    @blp.response(200, ScoresOut)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, query: dict[str, Any], snapshot_id: int) -> Response:
        """Every scale's score per practice and wave (a facilitator: their practices only)."""
        return answered("scores", snapshot_id, query, caller_scope())


def scores_answer(snapshot_id: int, query: dict[str, Any], scope: str) -> dict[str, Any]:
    """The scores endpoint's answer: the rows of the practice asked for (when the caller may see
    it), else of every practice in ``scope``; only the wave asked for."""
    answer = score_rows(snapshot_id)
    rows = answer["rows"]
    if "practice" in query:
        unit = visible_unit(usable(snapshot_id).found, query["practice"])
        rows = [row for row in rows if row["unit"] == unit]
    elif scope != EVERYTHING:
        mine = set(json.loads(scope))
        rows = [row for row in rows if row["unit"] in mine]
    if "wave" in query:
        rows = [row for row in rows if row["wave"] == query["wave"]]
    # The rows are plain JSON already (the schema above documents them): no second dump.
    return {**answer, "rows": rows, "data_quality": seen(answer["data_quality"], scope)}


def seen(quality: list[dict[str, Any]], scope: str) -> list[dict[str, Any]]:
    """What was set aside, as callers of ``scope`` may see it: a facilitator only their own
    practices' entries (another practice's records and name are not theirs to see)."""
    if scope == EVERYTHING:
        return quality
    mine = set(json.loads(scope))
    return [entry for entry in quality if entry["unit"] in mine]


def score_rows(snapshot_id: int) -> dict[str, Any]:
    """Every scored row of the snapshot as the scores endpoint answers it (cached)."""

    def make() -> dict[str, Any]:
        made = usable(snapshot_id)
        data, frame = made.long, made.check.responses.frame
        names = [info.name for info in made.scores.scales]
        records = frame[made.found.instrument.record_id].astype("object").to_numpy()
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
            "instrument": made.found.instrument.id,
            "version": made.found.instrument.version,
            "scales": [
                {"name": i.name, "label": i.label, "kind": i.kind} for i in made.scores.scales
            ],
            "rows": rows,
            "data_quality": made.data_quality(),
        }

    found: dict[str, Any] = cache(current_app, "score_rows", 8).get(snapshot_id, make)
    return found


def band(value: Any) -> str | None:
    """A score's band as text, or None when the score has none."""
    return None if value is None or pd.isna(value) else str(value)


@blp.route("/snapshots/<int:snapshot_id>/benchmarks")
class Benchmarks(MethodView):
    @require("facilitator")
    @blp.arguments(BenchmarkQuery, location="query")
    @blp.response(200, BenchmarksOut)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, query: dict[str, Any], snapshot_id: int) -> Response:
        """One practice against its cohort at a wave, with strengths and opportunities."""
        return answered("benchmarks", snapshot_id, query, caller_scope())


def benchmarks_answer(snapshot_id: int, query: dict[str, Any], scope: str) -> dict[str, Any]:
    """The benchmarks endpoint's answer for a practice the caller may see, as its schema dumps
    it; 404 when the practice has no scores (at the wave asked for)."""
    made = usable(snapshot_id)
    unit = visible_unit(made.found, query["practice"])
    data = made.long
    names = [info.name for info in made.scores.scales]
    labels = {info.name: info.label for info in made.scores.scales}
    waves = made.check.responses.frame["wave"].astype("object")
    mine = (data["unit"] == unit) & data[names].notna().any(axis=1)
    if "wave" in query:
        mine &= waves == query["wave"]
    if not mine.any():
        at = f" at wave '{query['wave']}'" if "wave" in query else ""
        raise ApiProblem(404, f"practice '{query['practice']}' has no scores{at}")
    picked = mine.to_numpy(dtype=bool)
    wave_index = int(data.loc[picked, "wave_index"].to_numpy()[-1])
    wave = str(waves.loc[picked].to_numpy()[-1])
    # The reliable change runs from baseline to the practice's latest wave: only there does
    # it decide a strength or an opportunity (scoring.unit_findings), as in its report.
    scored = (data["unit"] == unit) & data[names].notna().any(axis=1)
    latest = int(data.loc[scored, "wave_index"].max())
    statuses = change_statuses(made.thresholds, unit) if wave_index == latest else None
    feedback = unit_feedback(
        data, unit, names, wave_index=wave_index, labels=labels, statuses=statuses
    )
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
    answer = {
        "snapshot_id": snapshot_id,
        "practice": str(unit),
        "wave": wave,
        "wave_index": wave_index,
        "benchmarks": benchmarks,
        "strengths": [item_answer(item) for item in feedback.strengths],
        "opportunities": [item_answer(item) for item in feedback.opportunities],
        "data_quality": seen(made.data_quality(), scope),
    }
    dumped: dict[str, Any] = BenchmarksOut().dump(answer)
    return dumped


def item_answer(item: FeedbackItem) -> dict[str, Any]:
    """A strength or opportunity as the benchmarks answer lists it."""
    return {
        "kind": item.kind,
        "reason": item.reason,
        "score": item.score,
        "label": item.label,
        "value": number(item.value),
        "reference": number(item.reference),
        "sentence": item.sentence,
    }


Make = Callable[[int, dict[str, Any], str], dict[str, Any]]
ANSWERS: dict[str, Make] = {
    "statistics": lambda snapshot_id, query, _scope: statistics_answer(snapshot_id, query),
    "progress": lambda snapshot_id, query, _scope: progress_answer(snapshot_id, query),
    "scores": scores_answer,
    "benchmarks": benchmarks_answer,
}


# What a pull job builds for its new snapshot, in this order (plugin.service.tasks.prepare):
# the decoded responses and scores, then the tables and answers of the default queries.
@after_pull
def decoded_and_scored(snapshot_id: int) -> None:
    """The snapshot decoded, its units checked and its scales scored."""
    usable(snapshot_id)


@after_pull
def scores_for_everyone(snapshot_id: int) -> None:
    """The scores answer for callers who see every practice."""
    kept_answer("scores", snapshot_id, {}, EVERYTHING)


@after_pull
def statistics_by_default(snapshot_id: int) -> None:
    """The statistics table of the default options, and its whole answer."""
    kept_answer("statistics", snapshot_id, StatisticsQuery().load({}), EVERYTHING)


@after_pull
def progress_by_default(snapshot_id: int) -> None:
    """The statistics table with the change across waves, and the progress answer."""
    kept_answer("progress", snapshot_id, {}, EVERYTHING)
