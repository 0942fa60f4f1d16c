"""A localcap app holds one connection to its database open for its life, so a request's
connection closing is never the file's last: the last to close checkpoints the write-ahead log
into the file and deletes it, about 10 ms a request on a large project."""

from __future__ import annotations

import gc
from pathlib import Path

from plugin.localcap import create_app
from plugin.localcap.storage import initialise, open_database


def test_the_write_ahead_log_outlives_every_request_while_the_app_lives(tmp_path: Path) -> None:
    database = tmp_path / "lc.db"
    wal = tmp_path / "lc.db-wal"
    app = create_app(database)
    for _ in range(3):
        answer = app.test_client().post("/api/", data={"token": "nobody", "content": "version"})
        assert answer.status_code == 403  # the request read the database, and wrote nothing
        assert wal.exists()
    with open_database(database) as db:
        db.execute("CREATE TABLE written (x)")
    assert wal.exists()
    del app
    gc.collect()  # the app's own connection closes with it, the last: the log goes
    assert not wal.exists()


def test_without_an_app_the_last_connection_to_close_takes_the_log_with_it(
    tmp_path: Path,
) -> None:
    database = tmp_path / "lc.db"
    initialise(database)
    with open_database(database) as db:
        db.execute("CREATE TABLE written (x)")
        assert (tmp_path / "lc.db-wal").exists()
    assert not (tmp_path / "lc.db-wal").exists()
