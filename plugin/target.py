"""Which REDCap the command line talks to: the configured one, or the embedded localcap.

With ``QISCAN_REDCAP_URL`` and a token set, every command works against that REDCap project.
Without, qiscan starts localcap in-process on a loopback port, over the SQLite file in its
instance folder, and keeps one project per name (an instrument id by default), creating it on
first use. What REDCap's API cannot set (surveys, missing-data codes, survey texts) is set
through localcap's own project setup over HTTP (:class:`LocalcapAdmin`), never by writing its
database. The tokens of those projects, and localcap's super token, are kept in files only
their owner may read; they are never printed.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from instruments.dictionary.structure import project_structure
from instruments.model import Instrument
from instruments.translate import languages
from instruments.translation_file import translation_files
from plugin.localcap.admin import LocalcapAdmin
from plugin.redcap import RedcapClient, RedcapConfig, config_from_env
from plugin.redcap.transport import Unpaced
from reports.files import PRIVATE_FILE, PRIVATE_FOLDER, write_atomically

INSTANCE_ENV = "QISCAN_INSTANCE"
BASE_URL_ENV = "QISCAN_LOCALCAP_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8765/"


@dataclass(frozen=True)
class Instance:
    """The folder that holds qiscan's local state: localcap's database, its secrets, snapshots.

    It holds respondent data and tokens, so it is its owner's only: the folder is made 0700 and
    every file it hands out 0600, whatever the umask, before any database opens the file (SQLite
    gives its -wal and -shm files the database file's mode). A folder or file an older qiscan
    left readable is narrowed when it is next handed out.
    """

    folder: Path

    @classmethod
    def default(cls) -> Instance:
        return cls(Path(os.environ.get(INSTANCE_ENV, "instance")))

    def private_folder(self) -> Path:
        """The instance folder, made if missing, readable by its owner only."""
        self.folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        private(self.folder, PRIVATE_FOLDER)
        return self.folder

    def private_file(self, name: str) -> Path:
        """The file ``name`` in the instance folder, made empty if missing, owner-only."""
        path = self.private_folder() / name
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
        private(path, PRIVATE_FILE)
        return path

    @property
    def localcap_db(self) -> Path:
        return self.private_file("localcap.sqlite")

    @property
    def service_db(self) -> Path:
        return self.private_file("service.sqlite")

    @property
    def snapshots(self) -> Path:
        return self.private_file("snapshots.sqlite")

    @property
    def invitations(self) -> Path:
        return self.private_file("invitations.sqlite")

    @property
    def _secrets(self) -> Path:
        return self.folder / "secrets.json"

    def read_secrets(self) -> dict[str, str]:
        if not self._secrets.exists():
            return {}
        return dict(json.loads(self._secrets.read_text(encoding="utf-8")))

    def write_secrets(self, values: dict[str, str]) -> None:
        self.private_folder()
        write_atomically(self._secrets, json.dumps(values, indent=1))


def private(path: Path, mode: int) -> None:
    """Narrow ``path`` to ``mode`` (the umask only ever narrows a new file's mode further)."""
    if path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)


def embedded_base_url() -> str:
    """The address survey links of the embedded default point to.

    The in-process server listens on a new port each run, so links name where a lasting server
    over the same database answers: ``qiscan localcap serve --db instance/localcap.sqlite``
    (port 8765), or ``QISCAN_LOCALCAP_BASE_URL`` where it is published elsewhere.
    """
    return os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL


def instance_super_token(instance: Instance) -> str:
    """The instance's localcap super token, made once and kept in its owner-only secrets."""
    stored = instance.read_secrets()
    super_token = stored.get("super_token") or secrets.token_hex(32).upper()
    if "super_token" not in stored:
        instance.write_secrets({**stored, "super_token": super_token})
    return super_token


@dataclass(frozen=True)
class Localcap:
    """A running localcap the embedded default talks to: the instance whose database it serves
    (and whose secrets keep the projects' tokens), its API address and its super token."""

    instance: Instance
    url: str
    super_token: str = field(repr=False)

    @property
    def admin(self) -> LocalcapAdmin:
        """localcap's interface for what REDCap's API cannot set (surveys, codes, trigger)."""
        return LocalcapAdmin(self.url, self.super_token)


@contextmanager
def embedded_localcap(instance: Instance) -> Iterator[Localcap]:
    """localcap over the instance's database, running in a thread for the block."""
    # the server is imported here, not above: only the embedded default runs it, and a command
    # that reads the instance (qiscan stats) should not load it
    from plugin.localcap import create_app, serve_in_thread

    super_token = instance_super_token(instance)
    app = create_app(instance.localcap_db, base_url=embedded_base_url(), super_token=super_token)
    server = serve_in_thread(app)
    try:
        yield Localcap(instance, server.url, super_token)
    finally:
        server.shutdown()


@contextmanager
def open_for(
    instruments: list[Instrument],
    project: str | None = None,
    *,
    localcap: Localcap | None = None,
    extra_surveys: Mapping[str, str] | None = None,
) -> Iterator[RedcapClient]:
    """A client for the project that holds ``instruments`` (named after the first by default).

    On ``localcap`` when one is given; else on the configured REDCap; else on localcap run for
    the block over the default instance. On localcap the project is created on first use and
    given the instruments' surveys (with ``extra_surveys``, form -> title, besides) and their
    survey texts (:func:`embedded_project`).
    """
    if localcap is not None:
        yield embedded_project(localcap, instruments, project, extra_surveys=extra_surveys)
        return
    config = config_from_env()
    if config is not None:
        yield RedcapClient(config)
        return
    with embedded_localcap(Instance.default()) as started:
        yield embedded_project(started, instruments, project, extra_surveys=extra_surveys)


def embedded_project(
    localcap: Localcap,
    instruments: list[Instrument],
    project: str | None = None,
    *,
    extra_surveys: Mapping[str, str] | None = None,
) -> RedcapClient:
    """A client for the localcap project holding ``instruments``, created on first use with their
    structure and missing-data codes (which REDCap's API cannot set).

    Their survey forms are enabled as surveys with Save & Return, the step a designer takes in
    REDCap's Online Designer (idempotent, so forms added later join them), and given their
    settings and translations (:func:`describe_surveys`).
    """
    structure = project_structure(instruments)
    name = project or instruments[0].id
    stored = localcap.instance.read_secrets()
    token = stored.get(f"project:{name}")
    admin = localcap.admin
    if token is None:
        token = admin.create_project(name, longitudinal=structure.longitudinal)
        if structure.missing_data_codes:
            admin.set_missing_data_codes(token, structure.missing_data_codes)
        localcap.instance.write_secrets({**stored, f"project:{name}": token})
    surveys = {**survey_titles(instruments), **(extra_surveys or {})}
    if surveys:
        admin.enable_surveys(token, surveys)
    describe_surveys(admin, token, instruments)
    # The embedded server listens on a new port each run; its instance folder names it.
    identity = f"localcap:{localcap.instance.folder.resolve()}"
    return RedcapClient(RedcapConfig(localcap.url, token), identity=identity, limiter=Unpaced())


def survey_titles(instruments: list[Instrument]) -> dict[str, str]:
    """The survey forms of ``instruments`` and the titles respondents see."""
    return {
        form.name: (form.survey_settings and form.survey_settings.title)
        or form.label
        or instrument.title
        for instrument in instruments
        for form in instrument.forms
        if form.survey
    }


def describe_surveys(admin: LocalcapAdmin, token: str, instruments: list[Instrument]) -> None:
    """Give the project's surveys what their respondents read besides the questions: each
    survey's settings (instructions, closing message, end), the language of the dictionary and
    a translation per other language. In REDCap a designer sets these in the Online Designer
    and Multi-Language Management; the API cannot."""
    for instrument in instruments:
        for form in instrument.forms:
            settings = form.survey_settings
            if not form.survey or settings is None:
                continue
            closes = settings.closes_at()
            admin.set_survey_settings(
                token,
                form.name,
                title=settings.title,
                instructions=settings.instructions,
                acknowledgement=settings.acknowledgement,
                expiration=closes.strftime("%Y-%m-%d %H:%M") if closes else "",
            )
    if instruments:
        code, name = languages(instruments[0])[0]
        admin.set_survey_language(token, code, name)
    for code, content in translation_files(instruments).items():
        admin.set_translation(token, code, json.dumps(content, ensure_ascii=False))
