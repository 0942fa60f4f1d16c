"""Simulated REDCap responses for any instrument: realistic, and reproducible from a seed.

    from instruments import load_shipped
    from plugin.simulate import SimulationOptions, simulate

    providers = simulate(load_shipped("provider_scan").unwrap(), seed=7, n=1000)
    practices = simulate(load_shipped("practice_readiness").unwrap(), seed=7, n=200, waves=5)

The rows are what REDCap's flat record import takes (``importRecords`` with the default
``type=flat``), every value a string. The package is pure: no network, no files, no clock.
The realism model is described in :class:`SimulationOptions` and the module docstrings of
:mod:`plugin.simulate.latent`, :mod:`plugin.simulate.coding` and
:mod:`plugin.simulate.profiles`.
"""

from __future__ import annotations

from instruments.model import Instrument
from plugin.simulate.engine import Simulation, run_simulation
from plugin.simulate.layout import Layout, Slot, plan_layout
from plugin.simulate.options import SimulationOptions


def simulate(
    instrument: Instrument,
    *,
    seed: int,
    n: int,
    waves: int | None = None,
    options: SimulationOptions | None = None,
) -> list[dict[str, str]]:
    """Flat REDCap import rows for ``n`` simulated units of ``instrument``.

    ``n`` counts respondents (surveys), units such as practices (instruments with waves) or
    excerpts (coding instruments, where every one of ``options.coders`` coders codes each).
    ``waves`` limits a longitudinal instrument to its first ``waves`` events, or sets the
    number of repeat instances of a repeating one (default: every event;
    ``options.repeat_instances``); it must be left out for an instrument without waves.

    The same instrument, seed, ``n``, ``waves`` and options always give the same rows. Raises
    ValueError for a negative ``n`` or a ``waves`` that does not fit the instrument.
    """
    return run_simulation(instrument, seed=seed, n=n, waves=waves, options=options).rows


__all__ = [
    "Layout",
    "Simulation",
    "SimulationOptions",
    "Slot",
    "plan_layout",
    "run_simulation",
    "simulate",
]
