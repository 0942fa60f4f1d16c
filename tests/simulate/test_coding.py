"""Transcript coding: every coder codes every excerpt, and agreement follows the parameter."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest

from plugin.simulate import SimulationOptions, simulate


def by_excerpt(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["excerpt_id"]].append(row)
    return grouped


def observed_agreement(rows: list[dict[str, str]], columns: list[str]) -> float:
    """Share of coder pairs, over all excerpts, that coded ``columns`` identically."""
    pairs = [
        all(a[c] == b[c] for c in columns)
        for group in by_excerpt(rows).values()
        for a, b in combinations(group, 2)
    ]
    return sum(pairs) / len(pairs)


def coding_rows(shipped, agreement: float, coders: int = 3, seed: int = 9):
    options = SimulationOptions(
        coder_agreement=agreement, coders=coders, item_nonresponse=0.0, partial_form_rate=0.0
    )
    return simulate(shipped["qualitative_coding"], seed=seed, n=200, options=options)


def test_every_coder_codes_every_excerpt_once(shipped):
    rows = coding_rows(shipped, 0.7, coders=4)
    grouped = by_excerpt(rows)
    assert len(grouped) == 200
    for group in grouped.values():
        assert sorted(row["coder"] for row in group) == ["1", "2", "3", "4"]


def test_the_excerpt_is_the_same_on_every_coders_row(shipped):
    shared = ["focus_group", "discussion_q", "speaker_org", "excerpt_text"]
    for excerpt_id, group in by_excerpt(coding_rows(shipped, 0.5)).items():
        for column in shared:
            assert len({row[column] for row in group}) == 1, (excerpt_id, column)
        first = group[0]
        assert excerpt_id.startswith(f"FG{first['focus_group']}-Q{int(first['discussion_q']):02d}-")


@pytest.mark.parametrize("columns", [["primary_theme"], ["valence"], ["themes___1", "themes___2"]])
def test_observed_agreement_rises_with_the_agreement_parameter(shipped, columns):
    levels = [observed_agreement(coding_rows(shipped, p), columns) for p in (0.0, 0.4, 0.8, 1.0)]
    assert levels == sorted(levels)
    assert levels[-1] == 1.0
    assert levels[0] < levels[2] - 0.2


def test_full_agreement_gives_identical_code_sets(shipped):
    rows = coding_rows(shipped, 1.0)
    themes = [key for key in rows[0] if key.startswith("themes___")]
    assert observed_agreement(rows, [*themes, "primary_theme", "valence"]) == 1.0


def test_the_primary_theme_is_one_of_the_coders_themes(shipped):
    for row in coding_rows(shipped, 0.5):
        if row["primary_theme"]:
            assert row[f"themes___{row['primary_theme']}"] == "1"


def test_more_coders_than_the_coder_field_offers_is_refused(shipped):
    instrument = shipped["qualitative_coding"]
    with pytest.raises(ValueError, match=r"coders = 5: must be 2, 3 or 4"):
        simulate(instrument, seed=1, n=3, options=SimulationOptions(coders=5))
