"""How the snapshot store keeps a row: its JSON as ``json.dumps(row, ensure_ascii=False)`` writes
it, byte for byte (the content hash is taken over these bytes)."""

from __future__ import annotations

import json
import random

from plugin.pull.store import stored_data


def test_a_stored_row_is_the_json_dumps_of_the_row() -> None:
    pick = random.Random(16)
    alphabet = 'aZ09 ,"\\/\n\t\x00\x1féü€😀\u2028'
    rows = [
        {
            "record_id": "".join(pick.choice(alphabet) for _ in range(pick.randint(0, 12))),
            "redcap_repeat_instance": pick.choice(["", 1, 2.5, None, True]),
            **{f"q{i}": "".join(pick.choice(alphabet) for _ in range(5)) for i in range(8)},
        }
        for _ in range(300)
    ]
    rows.append({"nan": float("nan"), "inf": float("inf"), "nested": [1, {"a": None}]})
    for row in rows:
        assert stored_data(row) == json.dumps(row, ensure_ascii=False)
