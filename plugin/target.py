"""Which REDCap the command line talks to: the configured one, or the embedded localcap.

With ``QISCAN_REDCAP_URL`` and a token set, every command works against that REDCap project.
Without, qiscan starts localcap in-process on a loopback port, over the SQLite file in its
instance folder, and keeps one project per name (an instrument id by default), creating it on
first use. The tokens of those projects, and localcap's super token, are kept in files only
their owner may read; they are never printed.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from instruments.dictionary.structure import project_structure
from instruments.model import Instrument
from instruments.translate import languages
from instruments.translation_file import translation_files
from plugin.localcap import create_app, serve_in_thread
from plugin.localcap.storage import (
    enable_surveys,
    set_missing_data_codes,
    set_survey_language,
    set_survey_settings,
    set_translation,
)
from plugin.redcap import RedcapClient, RedcapConfig, config_from_env

INSTANCE_ENV = "QISCAN_INSTANCE"
BASE_URL_ENV = "QISCAN_LOCALCAP_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8765/"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
ITEM = (
    '<?xml version="1.0" encoding="UTF-8" ?><item><project_title>{title}</project_title>'
    "<purpose>0</purpose><is_longitudinal>{longitudinal}</is_longitudinal></item>"
)


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
        temporary = self._secrets.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        os.fchmod(descriptor, PRIVATE_FILE)  # a leftover temporary keeps its old mode otherwise
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(values, out, indent=1)
        os.replace(temporary, self._secrets)


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


@contextmanager
def embedded_localcap(instance: Instance) -> Iterator[tuple[str, str]]:
    """localcap running in a thread for the duration of the block: (API URL, super token)."""
    super_token = instance_super_token(instance)
    app = create_app(instance.localcap_db, base_url=embedded_base_url(), super_token=super_token)
    server = serve_in_thread(app)
    try:
        yield server.url, super_token
    finally:
        server.shutdown()


def localcap_project(
    instance: Instance,
    url: str,
    super_token: str,
    name: str,
    *,
    longitudinal: bool,
    missing_data_codes: str = "",
) -> str:
    """The token of the embedded project called ``name``, created on first use with the
    instruments' missing-data codes (which REDCap's API cannot set; see ``storage``)."""
    stored = instance.read_secrets()
    key = f"project:{name}"
    if key in stored:
        return stored[key]
    data = {
        "token": super_token,
        "content": "project",
        "format": "xml",
        "data": ITEM.format(title=name, longitudinal=int(longitudinal)),
    }
    response = requests.post(url, data=data, timeout=60)
    response.raise_for_status()
    token = response.text.strip()[-32:]
    if missing_data_codes:
        set_missing_data_codes(instance.localcap_db, token, missing_data_codes)
    instance.write_secrets({**instance.read_secrets(), key: token})
    return token


@contextmanager
def open_client(
    name: str,
    *,
    longitudinal: bool = False,
    missing_data_codes: str = "",
    surveys: dict[str, str] | None = None,
    instance: Instance | None = None,
    design: list[Instrument] | None = None,
) -> Iterator[RedcapClient]:
    """A client for project ``name``: the configured REDCap, or the embedded localcap."""
    config = config_from_env()
    if config is not None:
        yield RedcapClient(config)
        return
    instance = instance or Instance.default()
    with embedded_localcap(instance) as (url, super_token):
        yield embedded_client(
            instance,
            url,
            super_token,
            name,
            longitudinal=longitudinal,
            missing_data_codes=missing_data_codes,
            surveys=surveys,
            design=design,
        )


def embedded_client(
    instance: Instance,
    url: str,
    super_token: str,
    name: str,
    *,
    longitudinal: bool = False,
    missing_data_codes: str = "",
    surveys: dict[str, str] | None = None,
    design: list[Instrument] | None = None,
) -> RedcapClient:
    """A client for the embedded project ``name`` on a running localcap (created if new).

    ``surveys`` (form -> title) are enabled as surveys with Save & Return, the step a designer
    takes in REDCap's Online Designer; enabling is idempotent, so forms added later join them.
    With ``design``, the instruments' survey settings and translations are set too
    (``describe_surveys``).
    """
    token = localcap_project(
        instance,
        url,
        super_token,
        name,
        longitudinal=longitudinal,
        missing_data_codes=missing_data_codes,
    )
    if surveys:
        enable_surveys(instance.localcap_db, token, surveys)
    if design:
        describe_surveys(instance.localcap_db, token, design)
    # The embedded server listens on a new port each run; its instance folder names it.
    return RedcapClient(RedcapConfig(url, token), identity=f"localcap:{instance.folder.resolve()}")


def open_for(
    instruments: list[Instrument], project: str | None = None
) -> AbstractContextManager[RedcapClient]:
    """A client for the project that holds ``instruments`` (named after the first by default)."""
    structure = project_structure(instruments)
    return open_client(
        project or instruments[0].id,
        longitudinal=structure.longitudinal,
        missing_data_codes=structure.missing_data_codes,
        surveys=survey_titles(instruments),
        design=instruments,
    )


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


def describe_surveys(path: Path, token: str, instruments: list[Instrument]) -> None:
    """Give the embedded project's surveys what their respondents read besides the questions:
    each survey's settings (instructions, closing message, end), the language of the dictionary
    and a translation per other language. In REDCap a designer sets these in the Online
    Designer and Multi-Language Management; the API cannot."""
    for instrument in instruments:
        for form in instrument.forms:
            settings = form.survey_settings
            if not form.survey or settings is None:
                continue
            closes = settings.closes_at()
            set_survey_settings(
                path,
                token,
                form.name,
                title=settings.title,
                instructions=settings.instructions,
                acknowledgement=settings.acknowledgement,
                expiration=closes.strftime("%Y-%m-%d %H:%M") if closes else "",
            )
    if instruments:
        code, name = languages(instruments[0])[0]
        set_survey_language(path, token, code, name)
    for code, content in translation_files(instruments).items():
        set_translation(path, token, code, json.dumps(content, ensure_ascii=False))
