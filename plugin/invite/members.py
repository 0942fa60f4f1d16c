"""Reading a committee's member list: one row per member organisation.

The list is checked as a whole before anything is created: every bad row is named with its
line and what is wrong (a missing or malformed e-mail, a duplicate member, an unknown
organisation type), and one bad row means nothing is created at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from instruments.csv_text import CsvFileError, csv_rows, decode_csv
from instruments.model import Field

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
REQUIRED = ("name", "email")
ORG_COLUMNS = ("organisation_type", "organization_type", "org_type")
LANGUAGE_COLUMN = "language"


@dataclass(frozen=True)
class Member:
    """One row of the member list: its line, the member's name, e-mail, organisation type, and
    the language of their survey page."""

    line: int
    name: str
    email: str
    org_code: str  # the organisation-type choice code, "" when the list gives none
    language: str = ""  # the survey page's language for this member (a code), "" for the default


class MemberListError(ValueError):
    """A member list with bad rows, each named with its line and problem: nothing is created."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{file}: {len(problems)} problem(s); nothing was created:\n{listed}")


def read_members(
    raw: bytes,
    *,
    file: str,
    org_field: Field | None,
    languages: list[tuple[str, str]] | None = None,
) -> list[Member]:
    """Every member, or MemberListError naming every bad row.

    An optional ``language`` column names the language each member's survey page opens in, by
    code or name (``fr`` or ``Français``), one of ``languages`` (code, name) the instrument has.
    """
    try:
        text, _ = decode_csv(raw, file=file)
        table = csv_rows(text, file=file)
    except CsvFileError as exc:
        raise MemberListError(file, [str(exc)]) from None
    header = [h.strip().lower() for h in (table[0] if table else [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise MemberListError(
            file,
            [
                f"line 1: missing column(s) {', '.join(missing)}; "
                f"the header has {', '.join(header) or 'nothing'}"
            ],
        )
    org_column = next((c for c in ORG_COLUMNS if c in header), None)
    choices = org_field.choice_labels() if org_field is not None else {}
    by_label = {label.strip().lower(): code for code, label in choices.items()}
    problems: list[str] = []
    members: list[Member] = []
    seen_email: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.append(
                f"line {number}: {len(cells)} cells but the header names {len(header)} columns; "
                "quote a value that holds a comma"
            )
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        name, email = row.get("name", ""), row.get("email", "")
        errors = []
        if not name:
            errors.append("the name is blank")
        if not email:
            errors.append("the e-mail is blank")
        elif not EMAIL.match(email):
            errors.append(f"'{email}' is not an e-mail address")
        key_email, key_name = email.lower(), " ".join(name.lower().split())
        if email and key_email in seen_email:
            errors.append(f"e-mail {email} is already on line {seen_email[key_email]}")
        if name and key_name in seen_name:
            errors.append(f"member '{name}' is already on line {seen_name[key_name]}")
        org_code = _org_code(row.get(org_column or "", ""), choices, by_label, errors)
        language = _language(row.get(LANGUAGE_COLUMN, ""), languages or [], errors)
        if errors:
            problems.append(f"line {number}: " + "; ".join(errors))
            continue
        seen_email[key_email], seen_name[key_name] = number, number
        members.append(Member(number, name, email, org_code, language))
    if problems:
        raise MemberListError(file, problems)
    if not members:
        raise MemberListError(file, ["the list has a header but no members"])
    return members


def _org_code(
    value: str, choices: dict[str, str], by_label: dict[str, str], errors: list[str]
) -> str:
    if not value or not choices:
        return ""
    if value in choices:
        return value
    if value.lower() in by_label:
        return by_label[value.lower()]
    allowed = "; ".join(f"{code} = {label}" for code, label in choices.items())
    errors.append(f"organisation type '{value}' is not one of: {allowed}")
    return ""


def _language(value: str, languages: list[tuple[str, str]], errors: list[str]) -> str:
    if not value:
        return ""
    for code, name in languages:
        if value.lower() in (code.lower(), name.lower()):
            return code
    offered = ", ".join(f"{code} ({name})" for code, name in languages) or "only its own"
    errors.append(f"language '{value}' is not one the survey is in: {offered}")
    return ""
