"""``qiscan serve``: the scoring service in the foreground, with its job worker.

With no REDCap configured, the embedded localcap runs beside it on a lasting port (8765 unless
that is busy, so survey links keep opening), and the demo projects are made ready: deployed,
filled with simulated responses the way ``qiscan demo`` fills them (the first time only: a
project that holds records keeps them) and scored, registered as connections of the service,
and given a Data Entry Trigger that points back at the service. Each run gives the triggers a
new secret (only its hash is stored, so the old URL stops working).

The first run also makes an admin API key and shows it once; later runs say that one exists,
and ``--new-key`` makes another.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from instruments import load_shipped
from instruments.model import Instrument
from plugin.cli.demo import DEMO_SIZES
from plugin.cli.output import say
from plugin.deploy.apply import deploy
from plugin.deploy.steps import DeployRefused
from plugin.localcap import RunningServer, serve_in_thread
from plugin.localcap import create_app as create_localcap
from plugin.localcap.server import LocalcapServer
from plugin.pull.pull import record_ids
from plugin.redcap import ConfigError, RedcapClient, RedcapProblem, config_from_env
from plugin.service import create_app
from plugin.service.auth import create_key
from plugin.service.crypto import encrypt, hash_key, new_key
from plugin.service.db import session
from plugin.service.models import ApiKey, Connection
from plugin.service.rescore import rescore_records
from plugin.simulate import simulate
from plugin.simulated_import import mark_simulated
from plugin.target import BASE_URL_ENV, Instance, Localcap, instance_super_token, open_for
from plugin.writeback import score_fields

# The readiness assessment, and both sides of the CME scan (the committee summary compares them).
DEMO_INSTRUMENTS = ("practice_readiness", "provider_scan", "supporter_scan")
# Facilitators' assessments are data-entry forms in REDCap; as surveys here they can be opened
# from a link, and saving one fires the trigger.
DEMO_SURVEYS = {"practice_readiness": {"readiness_assessment": "Practice readiness assessment"}}
CONNECTION_PREFIX = "demo "
LOCALCAP_PORT = 8765
KEY_LABEL = "admin (qiscan serve)"
SEED = 2017
TRIGGER_PATH = re.compile(r"^(/trigger/[^/]+/)[^/]+")
Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoProject:
    name: str
    connection_id: int
    created: bool  # the connection was registered by this run
    simulated: int  # records simulated by this run (0: the project held records already)


@dataclass(frozen=True)
class Setup:
    projects: list[DemoProject] = field(default_factory=list)
    new_key: str | None = None  # the admin key made by this run, shown once


class _AccessLog(WSGIRequestHandler):
    """Method, path and status, with the trigger's secret left out of the path."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = TRIGGER_PATH.sub(r"\1[secret]", urlsplit(self.path).path)
        self.log("info", '"%s %s" %s %s', self.command, path, code, size)


class ServiceServer(LocalcapServer):
    """The threaded server localcap uses, logging as :class:`_AccessLog` does."""

    def __init__(self, host: str, port: int, app: Flask) -> None:
        super().__init__(host, port, app)
        self.RequestHandlerClass = _AccessLog


@contextmanager
def lasting_localcap(
    instance: Instance, port: int = LOCALCAP_PORT
) -> Iterator[tuple[RunningServer, Localcap]]:
    """localcap over the instance's database on ``port`` (a free one when it is busy), with
    the instance's super token: (the running server, how the embedded default reaches it)."""
    super_token = instance_super_token(instance)
    base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
    app = create_localcap(instance.localcap_db, base_url=base_url, super_token=super_token)
    try:
        running = serve_in_thread(app, port=port)
    except OSError:
        running = serve_in_thread(app)
    try:
        yield running, Localcap(instance, running.url, super_token)
    finally:
        running.shutdown()


def register(
    app: Flask, instrument: Instrument, client: RedcapClient, service_url: str
) -> tuple[int, bool, str]:
    """The demo connection of ``instrument`` (made once, its URL and token kept current) with
    a new trigger secret: (its id, whether it is new, its trigger URL)."""
    secret = new_key("qt")
    with app.app_context():
        db = session()
        name = CONNECTION_PREFIX + instrument.id
        row = db.scalar(sa.select(Connection).where(Connection.name == name))
        created = row is None
        if row is None:
            row = Connection(name=name)
            db.add(row)
        row.url = client.config.url
        row.token_cipher = encrypt(app.config["SECRET_KEY"], client.config.token)
        row.instrument = instrument.id
        row.trigger_secret_hash = hash_key(secret)
        db.commit()
        return row.id, created, f"{service_url.rstrip('/')}/trigger/{row.id}/{secret}"


def demo_project(
    app: Flask,
    localcap: Localcap,
    service_url: str,
    instrument: Instrument,
    *,
    seed: int = SEED,
) -> DemoProject:
    extra = DEMO_SURVEYS.get(instrument.id)
    with open_for([instrument], localcap=localcap, extra_surveys=extra) as client:
        deploy(client, [instrument])
        simulated = 0
        if not record_ids(client, instrument.record_id):
            rows = simulate(instrument, seed=seed, n=DEMO_SIZES.get(instrument.id, 50))
            marked = mark_simulated(rows, instrument.record_id)
            simulated = client.import_in_batches(marked, instrument.record_id)
            if score_fields(instrument):
                rescore_records(client, instrument, record_ids(client, instrument.record_id))
        connection_id, created, trigger_url = register(app, instrument, client, service_url)
        localcap.admin.set_data_entry_trigger(client.config.token, trigger_url)
    return DemoProject(instrument.id, connection_id, created, simulated)


def admin_key(app: Flask, *, another: bool = False) -> str | None:
    """A new admin key when the service has none (or ``another`` is asked for), else None."""
    with app.app_context():
        exists = session().scalar(sa.select(ApiKey.id).where(ApiKey.role == "admin").limit(1))
        if exists is not None and not another:
            return None
        _, key = create_key("admin", KEY_LABEL)
        session().commit()
        return key


def set_up(
    app: Flask,
    service_url: str,
    *,
    localcap: Localcap | None = None,
    new_key: bool = False,
    seed: int = SEED,
    tell: Say = say,
) -> Setup:
    """Make the service ready to use: with ``localcap`` the demo projects, and an admin key
    when there is none (or ``new_key`` asks for another)."""
    projects = []
    if localcap is not None:
        for name in DEMO_INSTRUMENTS:
            made = demo_project(app, localcap, service_url, load_shipped(name).unwrap(), seed=seed)
            filled = f"{made.simulated} records simulated" if made.simulated else "records kept"
            tell(f"  {name:<20} connection {made.connection_id} ({filled}), trigger set")
            projects.append(made)
    key = admin_key(app, another=new_key)
    if key is not None:
        tell(f"admin API key (shown only now; sign in to the web page with it, or send it as "
             f"Authorization: Bearer): {key}")  # fmt: skip
    else:
        tell("an admin API key exists already (shown when it was made); make another with "
             "`qiscan serve --new-key`")  # fmt: skip
    return Setup(projects, key)


def reachable(host: str) -> str:
    """Where a process on this machine reaches a server listening on ``host``."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="0 picks one."
)
@click.option("--new-key", is_flag=True, help="Make another admin API key and show it once.")
def serve_command(host: str, port: int, new_key: bool) -> None:
    """Run the scoring service and its job worker until interrupted. With no REDCap configured,
    localcap runs beside it with the demo projects, their triggers pointing at the service."""
    try:
        configured = config_from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    app = create_app()
    with ExitStack() as stack:
        worker = app.extensions.get("qiscan.worker")
        if worker is not None:
            stack.callback(worker.stop)
        try:
            server = ServiceServer(host, port, app)  # bound first: the triggers need its port
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        stack.callback(server.server_close)
        service_url = f"http://{reachable(host)}:{server.port}"
        localcap: Localcap | None = None
        if configured is None:
            instance = Instance(Path(app.config["INSTANCE"]))
            running, localcap = stack.enter_context(lasting_localcap(instance))
            if running.port != LOCALCAP_PORT:
                say(f"port {LOCALCAP_PORT} is busy: survey links made now point to {running.port}")
            say(f"localcap API at {running.url} over {instance.localcap_db}; demo projects:")
        else:
            say(f"REDCap at {configured.url}; register its projects with POST /projects")
        try:
            set_up(app, service_url, localcap=localcap, new_key=new_key)
        except (DeployRefused, RedcapProblem) as exc:
            raise click.ClickException(
                f"the demo projects could not be made ready: {exc}"
            ) from None
        base = f"http://{host}:{server.port}"
        say(f"qiscan service at {base}/: the web page at {base}/web/, the API's documentation "
            f"at {base}/api/docs (OpenAPI at /api/openapi.json); Ctrl-C stops it")  # fmt: skip
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: shut down cleanly
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.close_connections()
        say("qiscan service stopped")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
