"""Inviting members: a record each, their personal survey link and return code, a mail-merge
file; and where each member stands (not started, partial, complete) in a pulled snapshot,
counted as every report counts respondents."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace

from instruments.dictionary.structure import project_structure
from instruments.model import Field, Instrument
from plugin.invite.members import Member
from plugin.invite.store import Invitation, InvitationStore
from plugin.pull.pull import project_key
from plugin.redcap import RedcapApiError, RedcapClient
from scoring.decode import Responses
from scoring.respondents import Respondents


@dataclass(frozen=True)
class InviteResult:
    """What inviting did: every invitation of the project (earlier ones too), how many members were
    new, and warnings (e.g. no return codes)."""

    invitations: list[Invitation]
    created: int
    warnings: list[str]


def organisation_field(instrument: Instrument) -> Field | None:
    """The grouping field members are sorted by (e.g. organisation type), when it has choices."""
    fields = instrument.field_map()
    for name in instrument.grouping:
        if name in fields and fields[name].choice_codes():
            return fields[name]
    return None


def survey_form(instrument: Instrument) -> tuple[str, str | None]:
    """The survey form members answer, and the event it sits on (None in a classic project)."""
    surveys = [form.name for form in instrument.forms if form.survey]
    if not surveys:
        raise ValueError(f'{instrument.id} has no survey form; mark one with "survey": true')
    structure = project_structure([instrument])
    events = [m["unique_event_name"] for m in structure.mappings if m["form"] == surveys[0]]
    return surveys[0], (events[0] if events else None)


def invite(
    client: RedcapClient,
    instrument: Instrument,
    members: list[Member],
    store: InvitationStore,
    progress: Callable[[int, int], None] | None = None,
) -> InviteResult:
    """Create a record for each new member and fetch everyone's link and return code.
    ``progress(done, total)`` is told after each link (two calls to REDCap each).

    Members already invited to this project (same e-mail) keep their record; running the
    command again after adding members invites only the new ones. A new member's record is
    stored locally as soon as REDCap has it, before its link is asked for, so a run that fails
    half-way never creates a member twice: the next run only fetches the missing links.
    """
    project = project_key(client, client.project_info())
    form, event = survey_form(instrument)
    known = {i.email.lower(): i for i in store.invitations(project)}
    new = [m for m in members if m.email.lower() not in known]
    org = organisation_field(instrument)
    warnings: list[str] = []
    records = _new_record_names(client, len(new))
    rows = []
    for member, record in zip(new, records, strict=True):
        row = {instrument.record_id: record}
        if event is not None:
            row["redcap_event_name"] = event
        if org is not None and member.org_code:
            row[org.name] = member.org_code
        rows.append(row)
    if rows:
        client.import_records(rows)
        store.save(
            [
                Invitation(
                    project, instrument.id, record, m.name, m.email, m.org_code, "", "", m.language
                )
                for m, record in zip(new, records, strict=True)
            ]
        )
    waiting = [i for i in store.invitations(project) if not i.survey_link]
    for done, invitation in enumerate(waiting, start=1):
        link, code = _link_and_code(client, invitation.record, form, event, warnings)
        store.save([replace(invitation, survey_link=link, return_code=code)])
        if progress is not None:
            progress(done, len(waiting))
    return InviteResult(store.invitations(project), len(new), warnings)


def _new_record_names(client: RedcapClient, count: int) -> list[str]:
    if count == 0:
        return []
    first = int(client.call("generate_next_record_name"))
    return [str(first + offset) for offset in range(count)]


def _link_and_code(
    client: RedcapClient, record: str, form: str, event: str | None, warnings: list[str]
) -> tuple[str, str]:
    link = str(client.call("export_survey_link", record, form, event=event)).strip()
    try:
        code = str(client.call("export_survey_return_code", record, form, event=event)).strip()
    except RedcapApiError as exc:
        if not warnings:
            warnings.append(f"no return codes: {exc.message} (enable Save & Return to get them)")
        code = ""
    return link, code


def mail_merge(invitations: list[Invitation], org: Field | None) -> str:
    """The mail-merge CSV: one row per member with their personal link and return code."""
    labels = org.choice_labels() if org is not None else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "email", "organisation_type", "record", "survey_link", "return_code"])
    for i in invitations:
        writer.writerow(
            [
                _safe(i.name),
                i.email,
                labels.get(i.org_code, ""),
                i.record,
                i.link,
                i.return_code,
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """A member name is typed by people: keep a spreadsheet from reading it as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def invitation_status(
    invitations: list[Invitation], responses: Responses, who: Respondents
) -> list[tuple[Invitation, str]]:
    """Each invited member's state in a pulled snapshot, by the one definition of a respondent
    (:mod:`scoring.respondents`): "complete", "partial" or "not started". A member whose record
    is not in the snapshot has not started."""
    record_id = responses.instrument.record_id
    records = responses.frame[record_id].astype(str).to_numpy()
    state = dict(zip(records, who.state.astype(str).to_numpy(), strict=True))
    return [(i, state.get(i.record, "not started")) for i in invitations]
