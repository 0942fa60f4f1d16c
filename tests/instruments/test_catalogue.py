"""The documentation and the error catalogue stay honest: the README's example is a valid
instrument, and every catalogued problem code is exercised by a test that asserts on it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from instruments import ErrorCode, load_instrument
from instruments.dictionary import compile_dictionary

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_example_is_a_clean_instrument():
    text = (ROOT / "instruments" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert example is not None
    result = load_instrument(json.loads(example.group(1)), name="README example")
    assert result.problems == []
    rows = compile_dictionary([result.unwrap()])
    assert rows[-1]["field_name"] == "score_leadership"


def test_every_problem_code_is_asserted_by_some_test():
    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    untested = [
        code.code
        for code in ErrorCode
        if f'"{code.code}"' not in tests and f"'{code.code}'" not in tests
    ]
    assert untested == []


def test_problem_codes_are_unique_and_hints_are_sentences():
    codes = [code.code for code in ErrorCode]
    assert len(codes) == len(set(codes))
    assert all(code.hint.endswith((".", ")")) for code in ErrorCode)
