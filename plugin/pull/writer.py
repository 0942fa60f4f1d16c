"""Writing a snapshot batch by batch, so that a pull that fails part-way can be resumed.

``begin`` makes an unfinished snapshot in one transaction: its header, the parent's rows carried
over (but for the records about to be exported or deleted) and its plan, the record ids to
export. Each ``add`` writes one batch's rows and moves the plan's ``done`` on in one transaction,
so what is written and what the plan says is written never disagree. ``finish`` gives the
snapshot its counts and content hash, which makes it visible, and drops its plan, again in one
transaction. Until then no reader sees it (see ``plugin.pull.store``).

A plan has an owner, the pull writing it. Every write checks that the writer still owns the
plan, so two pulls never write the same snapshot: a later pull takes over a plan only once its
owner has let go (``release``, on any failure) or has not written for a lease's time (it died).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from plugin.pull.store import (
    BATCH,
    KEY,
    UNFINISHED,
    Unfinished,
    content_digest,
    now,
    ordered_data,
    progress_table,
    row_key,
    row_table,
    snapshot_table,
    stored_data,
    upsert,
)


class TakenOver(RuntimeError):
    """Another pull took this snapshot's plan over, or dropped it; this pull must stop."""


class SnapshotWriter:
    """One unfinished snapshot, written by this pull alone."""

    def __init__(self, engine: Engine, snapshot_id: int, record_id: str, done: int) -> None:
        self.engine = engine
        self.snapshot_id = snapshot_id
        self.record_id = record_id
        self.done = done  # how many of the plan's record ids are written
        self.owner = uuid.uuid4().hex

    @classmethod
    def begin(
        cls,
        engine: Engine,
        header: dict[str, Any],
        ids: list[str],
        deleted: set[str],
        except_records: set[str],
    ) -> SnapshotWriter:
        """Make an unfinished snapshot with the parent's rows (``header["parent_id"]``) carried
        over but for ``except_records``, and its plan: export ``ids``."""
        with engine.begin() as connection:
            inserted = connection.execute(
                snapshot_table.insert()
                .values(
                    project=header["project"],
                    created_at=now(),
                    server_time=header["server_time"],
                    mode=header["mode"],
                    parent_id=header.get("parent_id"),
                    instruments=json.dumps(header.get("instruments", {}), sort_keys=True),
                    metadata=json.dumps(header["metadata"]),
                    structure=json.dumps(header["structure"]),
                    record_count=0,
                    row_count=0,
                    content_hash=UNFINISHED,
                )
                .returning(snapshot_table.c.id)
            )
            writer = cls(engine, int(inserted.scalar_one()), header["record_id"], 0)
            if header.get("parent_id") is not None:
                _copy_from(connection, header["parent_id"], writer.snapshot_id, except_records)
            connection.execute(
                progress_table.insert().values(
                    snapshot_id=writer.snapshot_id,
                    ids=json.dumps(ids),
                    deleted=json.dumps(sorted(deleted)),
                    done=0,
                    owner=writer.owner,
                    updated_at=now(),
                )
            )
        return writer

    @classmethod
    def take_over(
        cls, engine: Engine, unfinished: Unfinished, record_id: str
    ) -> SnapshotWriter | None:
        """Own an unfinished snapshot's plan, or None when another pull got to it first (its
        owner or progress changed since ``unfinished`` was read)."""
        writer = cls(engine, unfinished.snapshot_id, record_id, unfinished.done)
        columns = progress_table.c
        with engine.begin() as connection:
            taken = connection.execute(
                progress_table.update()
                .where(
                    columns.snapshot_id == unfinished.snapshot_id,
                    columns.owner == unfinished.owner,
                    columns.done == unfinished.done,
                )
                .values(owner=writer.owner, updated_at=now())
            ).rowcount
        return writer if taken == 1 else None

    def add(self, rows: Iterable[dict[str, Any]], *, records: int) -> int:
        """Write one batch's rows, which cover the plan's next ``records`` record ids; a row
        with the same key as an earlier one replaces it. Returns the number of rows."""
        latest: dict[tuple[str, str, str, str], str] = {}
        count = 0
        for row in rows:  # within a batch too, the last row of a key is the one kept
            latest[row_key(row, self.record_id)] = stored_data(row)
            count += 1
        with self.engine.begin() as connection:
            self._advance(connection, self.done + records)
            if latest:
                values = [self._row(key, data) for key, data in latest.items()]
                connection.execute(upsert(connection), values)
        self.done += records
        return count

    def finish(self) -> None:
        """Give the snapshot its counts and content hash, which makes it visible, and drop its
        plan."""
        with self.engine.begin() as connection:
            gone = connection.execute(
                progress_table.delete().where(
                    progress_table.c.snapshot_id == self.snapshot_id,
                    progress_table.c.owner == self.owner,
                )
            ).rowcount
            if gone != 1:
                raise self._lost()
            digest, rows = content_digest(ordered_data(connection, self.snapshot_id, BATCH))
            columns = row_table.c
            records = connection.execute(
                sa.select(sa.func.count(sa.distinct(columns.record))).where(
                    columns.snapshot_id == self.snapshot_id
                )
            ).scalar_one()
            connection.execute(
                snapshot_table.update()
                .where(snapshot_table.c.id == self.snapshot_id)
                .values(
                    created_at=now(),
                    record_count=records,
                    row_count=rows,
                    content_hash=digest,
                )
            )

    def release(self) -> None:
        """Let go of the plan (the pull stopped), so that the next pull may take it over at once;
        best effort: a plan not let go is taken over once its lease runs out."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    progress_table.update()
                    .where(
                        progress_table.c.snapshot_id == self.snapshot_id,
                        progress_table.c.owner == self.owner,
                    )
                    .values(owner="")
                )
        except sa.exc.SQLAlchemyError:
            pass  # the database is what failed; the lease covers this case

    def _row(self, key: tuple[str, str, str, str], data: str) -> dict[str, Any]:
        return {"snapshot_id": self.snapshot_id, **dict(zip(KEY, key, strict=True)), "data": data}

    def _advance(self, connection: Connection, done: int) -> None:
        moved = connection.execute(
            progress_table.update()
            .where(
                progress_table.c.snapshot_id == self.snapshot_id,
                progress_table.c.owner == self.owner,
                progress_table.c.done == self.done,
            )
            .values(done=done, updated_at=now())
        ).rowcount
        if moved != 1:
            raise self._lost()

    def _lost(self) -> TakenOver:
        return TakenOver(
            f"another pull took over or dropped unfinished snapshot {self.snapshot_id}; this "
            "pull stopped without writing more (pull again if no other pull is running)"
        )


def _copy_from(
    connection: Connection, parent_id: int, snapshot_id: int, except_records: set[str]
) -> None:
    """Carry the parent's rows over, but for records about to be re-exported or deleted."""
    columns = row_table.c
    connection.execute(
        row_table.insert().from_select(
            ["snapshot_id", *KEY, "data"],
            sa.select(
                sa.literal(snapshot_id, sa.Integer),
                *(columns[name] for name in KEY),
                columns.data,
            ).where(columns.snapshot_id == parent_id),
        )
    )
    skipped = sorted(except_records)
    for start in range(0, len(skipped), BATCH):
        connection.execute(
            row_table.delete().where(
                columns.snapshot_id == snapshot_id,
                columns.record.in_(skipped[start : start + BATCH]),
            )
        )
