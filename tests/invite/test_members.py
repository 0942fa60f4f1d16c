"""A member list is checked as a whole: every bad row is named, and none means nothing made."""

from __future__ import annotations

import pytest

from instruments import load_shipped
from plugin.invite import MemberListError, organisation_field, read_members

ORG = organisation_field(load_shipped("provider_scan").unwrap())


def read(text: str):
    return read_members(text.encode("utf-8"), file="members.csv", org_field=ORG)


def test_a_good_list_reads_codes_or_labels_for_the_organisation_type():
    members = read(
        "name,email,organisation_type\n"
        "Alpha CME,alpha@example.org,1\n"
        "Beta Medical Education,beta@example.org,medical education company\n"
        "Gamma Society,gamma@example.org,\n"
    )
    assert [(m.line, m.name, m.org_code) for m in members] == [
        (2, "Alpha CME", "1"),
        (3, "Beta Medical Education", "2"),
        (4, "Gamma Society", ""),
    ]


def test_every_bad_row_is_named_at_once():
    with pytest.raises(MemberListError) as caught:
        read(
            "Name,Email,Organisation_Type\n"
            "Alpha CME,alpha@example.org,1\n"
            "Beta,,1\n"
            ",gamma@example.org,1\n"
            "Delta,delta-at-example.org,1\n"
            "alpha  cme,ALPHA@example.org,1\n"
            "Epsilon,eps@example.org,pharmacy\n"
        )
    assert caught.value.problems == [
        "line 3: the e-mail is blank",
        "line 4: the name is blank",
        "line 5: 'delta-at-example.org' is not an e-mail address",
        "line 6: e-mail ALPHA@example.org is already on line 2; member 'alpha  cme' is already "
        "on line 2",
        "line 7: organisation type 'pharmacy' is not one of: 1 = Medical school; "
        "2 = Medical education company; 3 = Medical specialty society or association; "
        "4 = Hospital or health system; 5 = Other",
    ]
    assert "5 problem(s); nothing was created" in str(caught.value)


def test_missing_columns_and_empty_lists_are_refused():
    with pytest.raises(MemberListError, match=r"line 1: missing column\(s\) email"):
        read("name,phone\nAlpha,555\n")
    with pytest.raises(MemberListError, match="no members"):
        read("name,email\n")


def test_a_row_longer_than_its_header_is_named_not_a_crash():
    """Issue 12: an unquoted comma gave the row an extra cell, and AttributeError."""
    with pytest.raises(MemberListError, match=r"line 3: 4 cells but the header names 3 columns"):
        read(
            "name,email,organisation_type\n"
            "Alpha CME,alpha@example.org,1\n"
            "Beta, Inc.,beta@example.org,1\n"
        )


def test_a_cell_over_the_csv_limit_is_named_with_its_line():
    with pytest.raises(MemberListError, match=r"line 3\] a cell is longer than 131,072 char"):
        read(f"name,email\nAlpha,alpha@example.org\n{'x' * 140_000},beta@example.org\n")


def test_a_list_saved_as_utf16_is_read_and_a_binary_file_refused():
    text = "name,email\nÉcole Santé,ecole@example.org\n"
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        (member,) = read_members(text.encode(encoding), file="members.csv", org_field=None)
        assert (member.name, member.email) == ("École Santé", "ecole@example.org")
    with pytest.raises(MemberListError, match=r"line 2\] holds NUL bytes"):
        read_members(b"name,email\n\x00\x01\x02,x@example.org\n", file="m.csv", org_field=None)


LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]


def test_a_language_column_names_each_members_page_language_by_code_or_name():
    members = read_members(
        "name,email,language\nAlpha,alpha@example.org,fr\nBeta,beta@example.org,español\n"
        "Gamma,gamma@example.org,\n".encode(),
        file="members.csv",
        org_field=ORG,
        languages=LANGUAGES,
    )
    assert [m.language for m in members] == ["fr", "es", ""]
    with pytest.raises(MemberListError) as caught:
        read_members(
            b"name,email,language\nAlpha,alpha@example.org,de\n",
            file="members.csv",
            org_field=ORG,
            languages=LANGUAGES,
        )
    assert "line 2: language 'de' is not one the survey is in: en (English), fr (Fran" in str(
        caught.value
    )
