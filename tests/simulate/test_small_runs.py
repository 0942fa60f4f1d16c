"""The smallest runs of every shipped instrument: no unit, one unit, a few, with every number
of waves it takes. A unit skipping a follow-up wave can leave a slot without rows; these runs
must still give rows, never raise."""

from __future__ import annotations

import pytest

from instruments import Instrument, shipped_names
from plugin.simulate import simulate
from tests.simulate.rules import expected_keys


@pytest.mark.parametrize("name", shipped_names())
def test_small_runs_of_every_shipped_instrument_give_rows(shipped, name):
    instrument: Instrument = shipped[name]
    wave_counts = (None, 1, 2, 3) if instrument.waves is not None else (None,)
    for seed in range(0, 51, 2):
        for n in (0, 1, 2, 3):
            for waves in wave_counts:
                rows = simulate(instrument, seed=seed, n=n, waves=waves)
                assert (len(rows) == 0) == (n == 0), (seed, n, waves)
                assert all(list(row) == expected_keys(instrument, row) for row in rows)


@pytest.mark.parametrize("name", shipped_names())
def test_waves_are_refused_only_by_an_instrument_without_them(shipped, name):
    instrument: Instrument = shipped[name]
    if instrument.waves is not None:
        assert simulate(instrument, seed=6, n=1, waves=3)
        return
    with pytest.raises(ValueError, match=f"instrument '{name}' declares no waves"):
        simulate(instrument, seed=6, n=1, waves=3)
