"""Instruments the service knows: the shipped ones and the definitions uploaded to it.

An uploaded definition must validate, may not reuse a shipped id, and is stored as uploaded
under its id and version. A version never changes once stored: uploading it again with the
same content is a no-op, with other content a conflict (raise the version). ``resolve`` finds
an instrument by id, shipped first, else the uploaded version asked for or the newest; a
snapshot asks for the version it was pulled with, so it reads the same after a newer upload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from instruments import load_instrument, load_shipped, shipped_names
from instruments.model import Instrument
from instruments.problems import Problem
from plugin.service.errors import ApiProblem
from plugin.service.models import InstrumentDefinition
from plugin.snapshots import Resolve

BODY_NAME = "request body"
PROBLEM_KEYS = ("code", "message", "pointer", "field", "hint")


class UnknownInstrument(LookupError):
    """No shipped or uploaded instrument has the id (or the version); the message says which
    there are."""


def by_pointer(problems: list[Problem]) -> dict[str, list[dict[str, str | None]]]:
    """Problems as the envelope's field errors: keyed by where they are, the JSON pointer; each
    with every key of PROBLEM_KEYS (None where a problem has no field or hint), as validating
    answers them."""
    out: dict[str, list[dict[str, str | None]]] = {}
    for problem in problems:
        found = problem.as_dict()
        shown = {key: None if found[key] is None else str(found[key]) for key in PROBLEM_KEYS}
        out.setdefault(problem.pointer or "/", []).append(shown)
    return out


def store_definition(db: Session, body: dict[str, Any]) -> tuple[InstrumentDefinition, bool]:
    """Store an uploaded definition: the row, and whether it is new. 422 with every problem
    (by JSON pointer) when it does not validate; 409 for a shipped id, or for a stored version
    uploaded again with other content."""
    result = load_instrument(body, name=BODY_NAME)
    if not result.ok or result.instrument is None:
        raise ApiProblem(422, "the instrument does not validate", by_pointer(result.errors))
    instrument = result.instrument
    if is_shipped(instrument.id):
        raise ApiProblem(
            409,
            f"'{instrument.id}' is the id of a shipped instrument; give yours an id of its own",
            code="shipped_id",
        )
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stored = _stored(db, instrument.id, instrument.version)
    if stored is None:
        row = InstrumentDefinition(
            instrument_id=instrument.id,
            version=instrument.version,
            title=instrument.title[:300],
            body=text,
            body_hash=digest,
        )
        try:
            with db.begin_nested():
                db.add(row)
                db.flush()
            return row, True
        except IntegrityError:  # the same version uploaded at this moment elsewhere
            stored = _stored(db, instrument.id, instrument.version)
    if stored is not None and stored.body_hash == digest:
        return stored, False
    raise ApiProblem(
        409,
        f"version {instrument.version} of '{instrument.id}' is stored with other content; "
        "a stored version never changes: upload the change under a new version",
        code="version_exists",
    )


def uploaded(db: Session) -> list[InstrumentDefinition]:
    """The newest stored version of each uploaded instrument, by id."""
    rows = db.scalars(
        sa.select(InstrumentDefinition).order_by(
            InstrumentDefinition.instrument_id, InstrumentDefinition.id.desc()
        )
    )
    newest: dict[str, InstrumentDefinition] = {}
    for row in rows:
        newest.setdefault(row.instrument_id, row)
    return list(newest.values())


def known_ids(db: Session) -> list[str]:
    """Every instrument id a project may name, shipped and uploaded, sorted."""
    return sorted({*shipped_ids(), *(row.instrument_id for row in uploaded(db))})


def is_shipped(instrument_id: str) -> bool:
    return instrument_id in shipped_ids()


def loaded(row: InstrumentDefinition) -> Instrument:
    """A stored definition as an instrument (loaded once per content)."""
    return _loaded(row.body_hash, row.body)


def resolve(db: Session, instrument_id: str, version: str | None = None) -> Instrument:
    """The instrument: a shipped one by id (its current version), else an uploaded one, the
    version asked for or the newest. UnknownInstrument names what there is."""
    if is_shipped(instrument_id):
        return _shipped(instrument_id)
    query = sa.select(InstrumentDefinition).where(
        InstrumentDefinition.instrument_id == instrument_id
    )
    if version:
        query = query.where(InstrumentDefinition.version == version)
    row = db.scalar(query.order_by(InstrumentDefinition.id.desc()).limit(1))
    if row is None:
        asked = f"'{instrument_id}'" + (f" version {version}" if version else "")
        raise UnknownInstrument(
            f"there is no instrument {asked}; known: {', '.join(known_ids(db))}"
        )
    return loaded(row)


def resolver(db: Session) -> Resolve:
    """:func:`resolve` over ``db``, as :func:`plugin.snapshots.load` asks for an instrument."""
    return lambda instrument_id, version: resolve(db, instrument_id, version)


@contextmanager
def resolver_at(database_url: str) -> Iterator[Resolve]:
    """The resolver of the service database at ``database_url``, for the command line: the
    instruments uploaded to the service are read as the service reads them. A database the
    service has not set up yet holds no upload (nothing is made here): then only shipped
    instruments are found."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        yield _shipped_only
        return
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(InstrumentDefinition.__tablename__):
            yield _shipped_only
            return
        with Session(engine) as db:
            yield resolver(db)
    finally:
        engine.dispose()


def _shipped_only(instrument_id: str, version: str | None) -> Instrument:
    if is_shipped(instrument_id):
        return _shipped(instrument_id)
    raise UnknownInstrument(
        f"there is no instrument '{instrument_id}' (nothing is uploaded to this instance's "
        f"service); shipped: {', '.join(sorted(shipped_ids()))}"
    )


@lru_cache(maxsize=1)
def shipped_ids() -> frozenset[str]:
    """The shipped instruments' ids (the package's files do not change while it runs)."""
    return frozenset(shipped_names())


@lru_cache(maxsize=32)
def _shipped(instrument_id: str) -> Instrument:
    """A shipped instrument, loaded once (the package's files do not change while it runs)."""
    return load_shipped(instrument_id).unwrap()


@lru_cache(maxsize=64)
def _loaded(body_hash: str, body: str) -> Instrument:
    """A stored definition loaded (once per content: stored versions never change)."""
    return load_instrument(body, name=BODY_NAME).unwrap()


def _stored(db: Session, instrument_id: str, version: str) -> InstrumentDefinition | None:
    return db.scalar(
        sa.select(InstrumentDefinition).where(
            InstrumentDefinition.instrument_id == instrument_id,
            InstrumentDefinition.version == version,
        )
    )
