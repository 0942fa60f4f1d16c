"""The small rules of REDCap's wire formats: PHP arrays and flags, fputcsv quoting, PHP
json_encode escaping, natural record order, unique DAG names."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from plugin.localcap.answers import csv_line, php_json, xml_value
from plugin.localcap.creation import unique_group_name
from plugin.localcap.import_data import php_text
from plugin.localcap.params import Params
from plugin.localcap.rows import eav_key, natural_key


def test_php_arrays_in_arrival_order() -> None:
    params = Params(
        MultiDict([("records[1]", "b"), ("records[0]", "a"), ("fields[]", "x"), ("fields[]", "y")])
    )
    assert params.listing("records") == ["b", "a"]
    assert params.listing("fields") == ["x", "y"]
    assert params.array("records") == (["b", "a"], True)


def test_comma_lists_and_plain_strings() -> None:
    params = Params(MultiDict([("records", "1, 2,,3"), ("events", "")]))
    assert params.listing("records") == ["1", "2", "3"]
    assert params.listing("events") == []
    assert params.array("records") == (["1, 2,,3"], False)


def test_flags_and_coerced_options() -> None:
    params = Params(
        MultiDict([("a", "True"), ("b", "1"), ("c", "TRUE"), ("d", "False"), ("e", "yes")])
    )
    assert [params.flag(name) for name in "abcde"] == [True, True, True, False, False]
    assert Params(MultiDict([("format", "odm")])).format == "xml"
    assert Params(MultiDict([("format", "csv")])).return_format == "csv"
    assert Params(MultiDict([("format", "csv"), ("returnFormat", "json")])).return_format == "json"
    assert Params(MultiDict()).return_format == "xml"
    assert Params(MultiDict([("csvDelimiter", "tab")])).csv_delimiter == "\t"
    assert Params(MultiDict([("csvDelimiter", "#")])).csv_delimiter == ","


def test_fputcsv_quotes_spaces_and_specials() -> None:
    assert csv_line(["1", "Event 1", "", 1, "Yes"]) == '1,"Event 1",,1,Yes\n'
    assert csv_line(['say "hi"', "a,b", "tab\there", "line\nbreak"]) == (
        '"say ""hi""","a,b","tab\there","line\nbreak"\n'
    )
    assert csv_line(["a;b", "c"], ";") == '"a;b";c\n'


def test_php_json_escapes_slashes_and_non_ascii() -> None:
    assert (
        php_json({"url": "http://x/y", "name": "José"})
        == '{"url":"http:\\/\\/x\\/y","name":"Jos\\u00e9"}'
    )


def test_xml_values_use_cdata() -> None:
    assert xml_value("") == ""
    assert xml_value("a<b") == "<![CDATA[a<b]]>"
    assert xml_value("x]]>y") == "<![CDATA[x]]]]><![CDATA[>y]]>"


def test_json_values_as_php_casts_them() -> None:
    assert [php_text(value) for value in (1, 1.0, 2.5, None, True, False, "x")] == [
        "1", "1", "2.5", "", "1", "", "x",
    ]  # fmt: skip


def test_natural_and_eav_record_orders() -> None:
    names = ["b", "10", "A10", "a2", "2", "1"]
    assert sorted(names, key=natural_key) == ["1", "2", "10", "a2", "A10", "b"]
    assert sorted(names, key=eav_key) == ["1", "2", "10", "A10", "a2", "b"]


def test_unique_group_names() -> None:
    # redcap-api.md §2.9: lowercase, [0-9a-z_ ] kept, spaces to _, 18 characters, suffixes.
    assert unique_group_name("Test DAG", set()) == "test_dag"
    assert unique_group_name("A very long group name indeed", set()) == "a_very_long_group"
    assert unique_group_name("Test DAG", {"test_dag"}) == "test_dagb"
