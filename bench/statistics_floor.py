"""The floor of ``qiscan stats`` as a process of its own (run by ``statistics_bench.py --wall``).

Run: .venv/bin/python bench/statistics_floor.py STORE SNAPSHOT_ID INSTRUMENT_JSON

Reads the snapshot's rows from the snapshot store, as ``qiscan stats`` does, then does the least
any statistics can: pandas ``value_counts`` of every choice, rating and check-all option column
and the mean and SD of every number (the fields' types from the instrument file, read as JSON).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from plugin.pull.store import SnapshotStore


def main() -> None:
    store, snapshot_id, instrument = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    fields = json.loads(instrument.read_text(encoding="utf-8"))["fields"]
    frame = pd.DataFrame.from_records(list(SnapshotStore(store).rows(snapshot_id)))
    for item in fields[1:]:
        if item["type"] == "checkbox":
            for choice in item["choices"]:
                frame[f"{item['name']}___{choice['code'].lower()}"].value_counts()
        elif item.get("choices"):
            frame[item["name"]].value_counts()
        elif item.get("validation"):
            numbers = pd.to_numeric(frame[item["name"]], errors="coerce")
            numbers.mean()
            numbers.std()


if __name__ == "__main__":
    main()
