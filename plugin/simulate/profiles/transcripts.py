"""Coding of the focus-group transcripts (seed document 000): excerpts from the two groups'
answers to the 13 discussion questions, each coded by every coder against one code book.

An excerpt's id names its group, question and place (``FG1-Q05-003``, as the instrument's note
shows), its text is a participant's remark on that question's area, and most excerpts carry
one or two themes.
"""

from __future__ import annotations

import numpy as np

from instruments.model import Field
from plugin.simulate import textbank
from plugin.simulate.options import SimulationOptions
from plugin.simulate.profiles.discussion import AREAS, QUESTION_AREA
from plugin.simulate.state import Columns, Custom, Fill, Profile

THEME_RATE = 0.12  # of 15 themes, so an excerpt carries one or two
MEMOS = (
    "Could also be read as a partner challenge.",
    "Speaker seems to be from a hospital system.",
    "Overlaps with the timelines theme.",
    "Check with the other coders.",
)


def profile(options: SimulationOptions) -> Profile:
    """The transcript coding's proportions: excerpts spread over the groups and questions, with ids
    and texts that fit them, most carrying one or two themes."""
    themes = {str(code): THEME_RATE for code in range(1, 15)}
    return Profile(
        choice_weights={
            "focus_group": {"1": 0.5, "2": 0.5},
            "discussion_q": {str(code): 1.0 for code in range(1, 14)},
            "speaker_org": {"1": 0.1, "2": 0.3, "3": 0.25, "4": 0.25, "5": 0.03, "6": 0.07},
            "valence": {"1": 0.4, "2": 0.35, "3": 0.15, "4": 0.1},
        },
        checkbox_rates={"themes": {**themes, "15": 0.03}},
        answer_rates={"coder_memo": 0.15},
        phrases={
            "coder_memo": MEMOS,
            "theme_other": ("Scalability", "Risk tolerance", "Terminology"),
        },
        custom={
            "excerpt_id": Custom(_excerpt_ids, ("focus_group", "discussion_q")),
            "excerpt_text": Custom(_excerpt_texts, ("discussion_q",)),
        },
    )


def _column(fill: Fill, name: str) -> np.ndarray:
    return fill.values.get(name, np.full(fill.rows.count, "", dtype=object))


def _excerpt_ids(fld: Field, fill: Fill) -> Columns:
    """``FG<group>-Q<question>-<nnn>``, numbered within each group and question."""
    groups, questions = _column(fill, "focus_group"), _column(fill, "discussion_q")
    seen: dict[tuple[str, str], int] = {}
    ids = []
    for group, question in zip(groups.tolist(), questions.tolist(), strict=True):
        seen[(group, question)] = seen.get((group, question), 0) + 1
        number = int(question) if str(question).isdigit() else 0
        ids.append(f"FG{group or 0}-Q{number:02d}-{seen[(group, question)]:03d}")
    return {fld.name: np.asarray(ids, dtype=object)}


def _excerpt_texts(fld: Field, fill: Fill) -> Columns:
    questions = _column(fill, "discussion_q").tolist()
    pool = textbank.COMMENT_SENTENCES
    draws = fill.rng.random(fill.rows.count)
    texts = []
    for question, draw in zip(questions, draws, strict=True):
        area = QUESTION_AREA.get(int(question)) if str(question).isdigit() else None
        bank = AREAS[area] if area else pool
        texts.append(bank[int(draw * len(bank))])
    return {fld.name: np.asarray(texts, dtype=object)}
