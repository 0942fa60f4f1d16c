"""Carry a deploy plan out against a live REDCap project, through the client.

Reading the project (its dictionary, structure, status and how much data each part holds) and
running the plan's steps are the only parts of deploying that touch the network; the plan
itself is pure (``plugin.deploy.plan``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from instruments.dictionary.choices import parse_choices
from instruments.model import Instrument
from instruments.naming import checkbox_column
from plugin.deploy.plan import Plan, make_plan
from plugin.deploy.project import CurrentProject, FieldUsage, desired_project
from plugin.deploy.steps import DeployRefused, Step, apply_steps
from plugin.pull.checks import exported_batch, listed_records
from plugin.pull.pull import LOG_TIME, chunks, server_clock
from plugin.redcap import RedcapApiError, RedcapClient, RedcapProblem


def read_current(client: RedcapClient) -> CurrentProject:
    """The project's design as REDCap holds it now.

    The data-loss guard compares the plan with this, so it fails closed: any failure to read
    the design stops the deploy, and a project is taken for empty only when REDCap lists no
    fields and holds no records.
    """
    try:
        info = client.project_info()
        metadata = client.metadata()
        structure = client.structure()
    except RedcapProblem as exc:
        raise type(exc)(
            "deploy stopped: the project's current design could not be read, so qiscan cannot "
            f"tell which fields hold data ({exc.message})",
            status=exc.status,
            hint=exc.hint or "nothing was changed in REDCap; run the deploy again",
        ) from None
    check_empty_project(client, metadata)
    check_structure(info, structure)
    return CurrentProject(
        metadata=metadata,
        arms=structure["arms"],
        events=structure["events"],
        mappings=structure["mappings"],
        repeating=structure["repeating"],
        in_production=str(info.get("in_production", "0")) == "1",
        missing_data_codes=str(info.get("missing_data_codes", "") or ""),
    )


def check_structure(info: dict[str, Any], structure: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse a structure that contradicts the project's own settings. REDCap answers a classic
    project's event export, and a project without repeating forms, with an error, which the
    client reads as "none"; the project information says whether there should be some."""
    missing = []
    if str(info.get("is_longitudinal", "0")) == "1" and not structure["events"]:
        missing.append("REDCap says the project is longitudinal, but no event came back")
    if (
        str(info.get("has_repeating_instruments_or_events", "0")) == "1"
        and not (structure["repeating"])
    ):
        missing.append("REDCap says the project repeats forms, but no repeating setting came back")
    if missing:
        raise RedcapApiError(
            "deploy stopped: the project's current design could not be read, so qiscan cannot "
            f"tell which parts hold data ({'; '.join(missing)})",
            hint="nothing was changed in REDCap; run the deploy again",
        )


def check_empty_project(client: RedcapClient, metadata: list[dict[str, str]]) -> None:
    """Refuse a project whose dictionary comes back empty while it holds records: a REDCap
    project always has its record-id field, so that answer is not to be trusted."""
    if metadata:
        return
    records = {str(next(iter(row.values()), "")) for row in client.export_records() if row}
    if records:
        raise DeployRefused(
            f"REDCap lists no fields but holds {len(records)} record"
            f"{'' if len(records) == 1 else 's'}; qiscan will not deploy over data it cannot "
            "see. Check the token's design rights and the project in REDCap"
        )


def read_usage(
    client: RedcapClient, current: CurrentProject, *, batch_size: int = 500
) -> FieldUsage:
    """Count, from a batched record export, how many records hold data where a deploy could
    remove it. Only counts are kept; the rows are dropped batch by batch. Every answer is
    checked against what was asked (:mod:`plugin.pull.checks`)."""
    if not current.metadata:
        return FieldUsage()
    record_id = current.metadata[0]["field_name"]
    fields: dict[str, set[str]] = defaultdict(set)
    choices: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    events: dict[str, set[str]] = defaultdict(set)
    event_forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    instances: dict[tuple[str, str], set[str]] = defaultdict(set)
    columns = _columns(current.metadata)
    single_choice = _single_choice(current.metadata)
    # Checked as a pull checks its answers: a batch cut short would hide data from the guard.
    started = datetime.strptime(server_clock(client)[:16], LOG_TIME)
    ids, _ = listed_records(client, record_id, None)
    for batch in chunks(ids, batch_size):
        rows, _ = exported_batch(client, batch, record_id, started, {})
        for row in rows:
            record = str(row[record_id])
            event = str(row.get("redcap_event_name", ""))
            repeat_form = str(row.get("redcap_repeat_instrument", ""))
            for column, (name, form, code) in columns.items():
                value = str(row.get(column, ""))
                unchecked = code is not None and value == "0"
                if value == "" or unchecked:
                    continue
                fields[name].add(record)
                if code is not None:
                    choices[name][code].add(record)
                elif name in single_choice:
                    choices[name][value].add(record)
                events[event].add(record)
                event_forms[(event, form)].add(record)
            instance = str(row.get("redcap_repeat_instance", ""))
            if instance not in ("", "1"):
                instances[(event, repeat_form)].add(record)
    return FieldUsage(
        fields={k: len(v) for k, v in fields.items()},
        choices={k: {c: len(r) for c, r in v.items()} for k, v in choices.items()},
        events={k: len(v) for k, v in events.items() if k},
        event_forms={k: len(v) for k, v in event_forms.items() if k[0]},
        repeat_instances={k: len(v) for k, v in instances.items()},
        records=len(ids),
    )


def _columns(metadata: list[dict[str, str]]) -> dict[str, tuple[str, str, str | None]]:
    """Export column -> (field, form, checkbox code or None); the record id is not data."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for row in metadata[1:]:
        name, form, kind = row["field_name"], row["form_name"], row["field_type"]
        if kind in ("descriptive", "file"):
            continue
        if kind == "checkbox":
            for choice in parse_choices(row["select_choices_or_calculations"]):
                out[checkbox_column(name, choice.code)] = (name, form, choice.code)
        else:
            out[name] = (name, form, None)
    return out


def _single_choice(metadata: list[dict[str, str]]) -> set[str]:
    return {r["field_name"] for r in metadata if r["field_type"] in ("radio", "dropdown")}


def deploy(
    client: RedcapClient,
    instruments: list[Instrument],
    *,
    apply: bool = True,
    allow_data_loss: bool = False,
    progress: Callable[[Step], None] | None = None,
) -> tuple[Plan, list[Step]]:
    """Plan the instruments against the project and, with ``apply``, carry the plan out.

    Raises DeployRefused (data loss not allowed, or a production project with changes).
    """
    current = read_current(client)
    plan = make_plan(desired_project(instruments), current, usage=read_usage(client, current))
    if not apply or not plan.has_changes:
        return plan, []
    steps = apply_steps(plan, allow_data_loss=allow_data_loss)
    run_steps(client, steps, progress=progress)
    return plan, steps


def run_steps(
    client: RedcapClient, steps: list[Step], *, progress: Callable[[Step], None] | None = None
) -> list[Any]:
    """Run the steps in order; the first failure stops the rest and is raised."""
    answers = []
    try:
        for step in steps:
            if progress is not None:
                progress(step)
            answers.append(_run(client, step))
    finally:
        if steps:
            client.forget_design()
    return answers


def _run(client: RedcapClient, step: Step) -> Any:
    if step.content == "project_settings":
        return client.import_project_settings(step.payload["data"])
    data = step.payload.get("data")
    if step.action == "delete":
        method = {"event": "delete_events", "arm": "delete_arms"}[step.content]
        return client.call(method, step.payload[f"{step.content}s"])
    method = {
        "arm": "import_arms",
        "event": "import_events",
        "metadata": "import_metadata",
        "formEventMapping": "import_instrument_event_mappings",
        "repeatingFormsEvents": "import_repeating_instruments_events",
    }[step.content]
    if "override" in step.payload:
        return client.call(method, data, override=step.payload["override"])
    return client.call(method, data)
