"""``/instruments``: the shipped and uploaded instruments, uploading one, and checking or
compiling a definition (analyst).

An uploaded definition is stored under its id and version (``plugin.service.definitions``)
and can then be registered with a project, deployed, pulled, scored and reported like a
shipped one. Validating answers 200 either way: the problems found are the answer, each with
its code, the JSON pointer of the node it is about, the field, and how to fix it. Compiling or
uploading an instrument that does not validate is refused (422) with the same problems, keyed
by their JSON pointer.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields, validate

from instruments import load_instrument
from instruments.dictionary import API_COLUMNS, compile_dictionary
from instruments.model import Instrument, Scale
from instruments.problems import InstrumentError
from plugin.service.auth import require
from plugin.service.db import session
from plugin.service.definitions import (
    BODY_NAME,
    UnknownInstrument,
    by_pointer,
    is_shipped,
    loaded,
    resolve,
    shipped_ids,
    store_definition,
    uploaded,
)
from plugin.service.errors import ApiProblem

blp = Blueprint("instruments", __name__, description="Instrument definitions")


class InstrumentBody(Schema):
    """An instrument definition, as in ``qiscan instruments schema``; checked by the loader."""

    class Meta:
        unknown = INCLUDE


class InstrumentListed(Schema):
    """An instrument as the list shows it, and as an upload is answered: id, version, title,
    kind and origin."""

    id = fields.String()
    version = fields.String()
    title = fields.String()
    kind = fields.String()
    origin = fields.String(metadata={"description": "shipped (with qiscan) or uploaded"})


class VersionQuery(Schema):
    """Which stored version of an uploaded instrument to show."""

    version = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "an uploaded instrument's version (default: the newest)"},
    )


class FormSummary(Schema):
    """A form of the instrument: its name and label, whether it is a survey, and its fields'
    count."""

    name = fields.String()
    label = fields.String()
    survey = fields.Boolean()
    field_count = fields.Integer(data_key="fields", metadata={"description": "fields it holds"})


class ScaleSummary(Schema):
    """A scale of the instrument (of items) or a composite (of scales), with its scoring method and
    score field."""

    name = fields.String()
    label = fields.String()
    kind = fields.Method(
        "kind_of", metadata={"description": "scale (of items) or composite (of scales)"}
    )
    items = fields.List(fields.String())
    scales = fields.List(fields.String())
    reverse = fields.List(fields.String())
    method = fields.String()
    score_field = fields.String()

    def kind_of(self, scale: Scale) -> str:
        """``composite`` for a scale made of scales, else ``scale``."""
        return "composite" if scale.scales else "scale"


class WaveSummary(Schema):
    """A wave: its month after the first and the forms asked at it."""

    name = fields.String()
    label = fields.String()
    month = fields.Float()
    forms = fields.List(fields.String())


class WavesSummary(Schema):
    """How the instrument's waves are kept: as events, or as a repeating form with a date field."""

    mode = fields.String(metadata={"description": "events, or repeating"})
    events = fields.List(fields.Nested(WaveSummary))
    form = fields.String()
    date_field = fields.String()


class InstrumentSummary(InstrumentListed):
    """One instrument with counts in place of its fields: its forms, scales, waves, grouping keys
    and missing-data codes."""

    respondent = fields.String()
    description = fields.String()
    source = fields.String()
    record_id = fields.String()
    field_count = fields.Integer(data_key="fields", metadata={"description": "how many fields"})
    forms = fields.List(fields.Nested(FormSummary))
    domains = fields.List(fields.String())
    grouping = fields.List(fields.String())
    scales = fields.List(fields.Nested(ScaleSummary))
    waves = fields.Nested(WavesSummary, allow_none=True)
    missing_codes = fields.List(fields.String())


class ProblemOut(Schema):
    """One problem in a definition: its code, the JSON pointer and field it is about, and the
    fix."""

    code = fields.String()
    message = fields.String()
    pointer = fields.String()
    field = fields.String()
    hint = fields.String()


class Validation(Schema):
    """The answer to a validation: whether the definition loads, with every error and warning."""

    ok = fields.Boolean()
    errors = fields.List(fields.Nested(ProblemOut))
    warnings = fields.List(fields.Nested(ProblemOut))


DictionaryRow = Schema.from_dict({column: fields.String() for column in API_COLUMNS}, name="Row")


def summary(instrument: Instrument) -> dict[str, Any]:
    """The instrument with counts in place of its fields; waves and scales dump as they are."""
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title,
        "kind": instrument.kind,
        "respondent": instrument.respondent,
        "description": instrument.description,
        "source": instrument.source.citation,
        "record_id": instrument.record_id,
        "field_count": len(instrument.fields),
        "forms": [
            {
                "name": form.name,
                "label": form.label,
                "survey": form.survey,
                "field_count": len(instrument.fields_of(form.name)),
            }
            for form in instrument.forms
        ],
        "domains": [domain.name for domain in instrument.domains],
        "grouping": instrument.grouping,
        "scales": instrument.all_scales(),
        "waves": instrument.waves,
        "missing_codes": [code.code for code in instrument.missing_codes],
    }


def found(instrument_id: str, version: str | None = None) -> Instrument:
    """The shipped or uploaded instrument (an uploaded one's newest version unless ``version`` names
    one); 404 when there is none."""
    try:
        return resolve(session(), instrument_id, version)
    except UnknownInstrument as exc:
        raise ApiProblem(404, str(exc)) from None


def listed(instrument: Instrument, origin: str) -> dict[str, Any]:
    """The instrument as the list shows it, with its origin (shipped or uploaded)."""
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title,
        "kind": instrument.kind,
        "origin": origin,
    }


@blp.route("/instruments")
class Instruments(MethodView):
    @require("analyst")
    @blp.response(200, InstrumentListed(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The instruments qiscan ships, then those uploaded (each one's newest version)."""
        db = session()
        shipped = [listed(resolve(db, name), "shipped") for name in sorted(shipped_ids())]
        mine = [listed(loaded(row), "uploaded") for row in uploaded(db)]
        return shipped + mine

    @require("analyst")
    @blp.arguments(InstrumentBody)
    @blp.response(201, InstrumentListed)
    @blp.alt_response(200, schema=InstrumentListed, description="that version was stored")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Upload a definition: stored under its id and version once it validates (422 with
        every problem otherwise; 409 for a shipped id or a stored version's other content)."""
        db = session()
        row, created = store_definition(db, body)
        db.commit()
        return listed(loaded(row), "uploaded"), (201 if created else 200)


@blp.route("/instruments/<instrument_id>")
class InstrumentById(MethodView):
    @require("analyst")
    @blp.arguments(VersionQuery, location="query")
    @blp.response(200, InstrumentSummary)
    def get(self, query: dict[str, Any], instrument_id: str) -> dict[str, Any]:
        """One instrument: its forms, scales, waves and grouping keys."""
        origin = "shipped" if is_shipped(instrument_id) else "uploaded"
        return {**summary(found(instrument_id, query.get("version"))), "origin": origin}


@blp.route("/instruments/validate")
class Validate(MethodView):
    @require("analyst")
    @blp.arguments(InstrumentBody)
    @blp.response(200, Validation)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check an instrument definition; every problem found, in one answer."""
        result = load_instrument(body, name=BODY_NAME)
        return {
            "ok": result.ok,
            "errors": [p.as_dict() for p in result.errors],
            "warnings": [p.as_dict() for p in result.warnings],
        }


@blp.route("/instruments/compile")
class Compile(MethodView):
    @require("analyst")
    @blp.arguments(InstrumentBody)
    @blp.response(200, DictionaryRow(many=True))
    def post(self, body: dict[str, Any]) -> list[dict[str, str]]:
        """The REDCap data dictionary rows (API column names) of an instrument definition."""
        result = load_instrument(body, name=BODY_NAME)
        if not result.ok or result.instrument is None:
            raise ApiProblem(422, "the instrument does not validate", by_pointer(result.errors))
        try:
            return compile_dictionary([result.instrument])
        except InstrumentError as exc:
            raise ApiProblem(
                422, "the instrument does not compile", by_pointer(exc.problems)
            ) from None
