"""A seed fixes the rows exactly: same seed, same bytes, whatever the process's hash seed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from instruments import shipped_names
from plugin.simulate import SimulationOptions, simulate

NAMES = shipped_names()
ROOT = Path(__file__).resolve().parents[2]
DIGEST_SCRIPT = """
import hashlib, json
from instruments import load_shipped, shipped_names
from plugin.simulate import simulate
for name in shipped_names():
    rows = simulate(load_shipped(name).unwrap(), seed=77, n=40)
    print(name, hashlib.sha256(json.dumps(rows).encode()).hexdigest())
"""


def digest(rows: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@pytest.mark.parametrize("name", NAMES)
def test_the_same_seed_gives_byte_identical_rows(shipped, name):
    first = simulate(shipped[name], seed=123, n=50)
    second = simulate(shipped[name], seed=123, n=50)
    assert json.dumps(first) == json.dumps(second)


@pytest.mark.parametrize("name", NAMES)
def test_a_different_seed_gives_different_rows(shipped, name):
    assert simulate(shipped[name], seed=1, n=50) != simulate(shipped[name], seed=2, n=50)


def test_rows_do_not_depend_on_the_hash_seed(shipped):
    expected = {name: digest(simulate(shipped[name], seed=77, n=40)) for name in NAMES}
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert dict(line.split() for line in out.splitlines()) == expected


@pytest.mark.parametrize("name", NAMES)
def test_no_units_give_no_rows(shipped, name):
    assert simulate(shipped[name], seed=1, n=0) == []


def test_a_negative_count_is_refused(shipped):
    with pytest.raises(ValueError, match=r"n = -1: the number of simulated units"):
        simulate(shipped["provider_scan"], seed=1, n=-1)


def test_waves_are_refused_for_an_instrument_without_waves(shipped):
    with pytest.raises(ValueError, match=r"'provider_scan' declares no waves"):
        simulate(shipped["provider_scan"], seed=1, n=5, waves=2)


@pytest.mark.parametrize("waves", [0, 6])
def test_waves_beyond_the_declared_events_are_refused(shipped, waves):
    with pytest.raises(ValueError, match=r"declares 5 events, so waves must be between 1 and 5"):
        simulate(shipped["practice_readiness"], seed=1, n=5, waves=waves)


def test_bad_options_are_all_reported_at_once():
    with pytest.raises(
        ValueError, match=r"item_nonresponse = 1.5: must be a probability"
    ) as raised:
        SimulationOptions(item_nonresponse=1.5, coders=7, provider_qi_involvement=(0.5, 0.5, 0.5))
    message = str(raised.value)
    assert "coders = 7: must be 2, 3 or 4" in message
    assert "provider_qi_involvement = (0.5, 0.5, 0.5): shares must sum to 1" in message


def test_default_options_are_valid_and_carry_the_source_figures():
    options = SimulationOptions()
    assert options.problems() == []
    assert options.provider_qi_involvement == (0.58, 0.28, 0.14)
    assert options.supporter_qi_supported == 0.77
