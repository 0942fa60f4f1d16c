"""Shipped instruments and their simulated rows, shared by the simulator tests (simulated
once per session)."""

from __future__ import annotations

import pytest

from instruments import Instrument, load_shipped, shipped_names
from plugin.simulate import Simulation, run_simulation

SEED = 20250106
SIZES = {"practice_readiness": 200, "qualitative_coding": 150, "focus_group": 60}


@pytest.fixture(scope="session")
def shipped() -> dict[str, Instrument]:
    return {name: load_shipped(name).unwrap() for name in shipped_names()}


@pytest.fixture(scope="session")
def simulated(shipped: dict[str, Instrument]) -> dict[str, Simulation]:
    return {
        name: run_simulation(instrument, seed=SEED, n=SIZES.get(name, 1000))
        for name, instrument in shipped.items()
    }
