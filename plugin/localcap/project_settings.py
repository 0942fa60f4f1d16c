"""``content=project_settings``: REDCap's Import Project Information (project token).

``data`` holds one object of project attributes; the answer is the number of attributes
accepted. Attributes REDCap does not let the API change are ignored, as REDCap ignores them.
Turning a classic project longitudinal designates every form for its one event, as REDCap's
Project Setup does; a project goes back to classic only while it has a single event.
"""

from __future__ import annotations

from plugin.localcap import answers
from plugin.localcap.errors import ApiError
from plugin.localcap.import_data import read_rows
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.storage import Database

SETTABLE = (
    "project_language",
    "purpose",
    "purpose_other",
    "project_notes",
    "custom_record_label",
    "secondary_unique_field",
    "is_longitudinal",
    "surveys_enabled",
    "scheduling_enabled",
    "record_autonumbering_enabled",
    "randomization_enabled",
    "project_irb_number",
    "project_grant_number",
    "project_pi_firstname",
    "project_pi_lastname",
    "display_today_now_button",
    "bypass_branching_erase_field_prompt",
)
FLAGS = frozenset(
    {
        "is_longitudinal",
        "surveys_enabled",
        "scheduling_enabled",
        "record_autonumbering_enabled",
        "randomization_enabled",
        "display_today_now_button",
        "bypass_branching_erase_field_prompt",
    }
)
ONE_OBJECT = "The data must hold exactly one object of project attributes."
BAD_FLAG = "The value of {name} must be 0 or 1."
STILL_LONGITUDINAL = (
    "The project cannot be made classic while it has {count} events: delete every event but "
    "one first."
)


def import_project_settings(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """Set the attributes ``data`` holds, all or none; the number accepted."""
    rows = read_rows(params.text("data"), params.format)
    if len(rows) != 1:
        raise ApiError(ONE_OBJECT)
    given = {key: value.strip() for key, value in rows[0].items()}
    accepted = {name: given[name] for name in SETTABLE if name in given}
    for name in FLAGS & accepted.keys():
        if accepted[name] not in ("0", "1"):
            raise ApiError(BAD_FLAG.format(name=name))
    title = given.get("project_title", "")
    with db.transaction():
        if title:
            db.execute(
                "UPDATE projects SET title = ? WHERE project_id = ?", (title, project.project_id)
            )
        if accepted.get("is_longitudinal", "") not in ("", str(int(project.longitudinal))):
            _switch_longitudinal(db, project, accepted["is_longitudinal"] == "1")
        for name, value in accepted.items():
            db.set_setting(project.project_id, name, value)
        changed = sorted(accepted) + (["project_title"] if title else [])
        details = f"Modify project settings (API): {', '.join(changed)}"
        db.log(project.project_id, username, "manage", "Manage/Design ", details)
    return answers.number(len(changed), params.return_format)


def _switch_longitudinal(db: Database, project: Project, longitudinal: bool) -> None:
    if not longitudinal:
        if len(project.events) > 1:
            raise ApiError(STILL_LONGITUDINAL.format(count=len(project.events)))
        return
    if project.mappings or not project.events:
        return
    first = project.events[0].event_id
    db.executemany(
        "INSERT OR IGNORE INTO mappings (project_id, event_id, form_name) VALUES (?, ?, ?)",
        [(project.project_id, first, form.name) for form in project.forms],
    )
