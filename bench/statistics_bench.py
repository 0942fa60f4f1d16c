"""Benchmark: ``qiscan stats`` on a wide survey against the pandas floor, and on a simulated scan.

Run: .venv/bin/python bench/statistics_bench.py [ROWS] [--scan ROWS ...]

The wide survey (default 10,000 respondents) is an in-memory instrument of 100 fields: 20
single-choice questions, 40 ratings (four 1-5 grids of ten rows), 10 check-all questions (one
with a 'none of these' option), 15 numbers, 15 open texts; five questions behind branching
logic; about 4% of answers blank and 2% a missing-data code. Its raw export text is built with
numpy (seed 16). The same run times, each the best of three:

* decode: the raw export to typed responses (``scoring.decode.decode``);
* stats: ``statistics_table`` of the decoded responses, what ``qiscan stats`` computes;
* the floor: on the decoded frame, pandas ``value_counts`` of every choice, rating and
  check-all option column plus the mean and SD of every number.

and prints each, the ratios stats / floor and (decode + stats) / floor, and whether stats meets
the issue's goal of at most 2x the floor. ``--scan`` also times ``statistics_table`` on the
simulated providers' scan four ways (overall; by organisation type; with counts below 5
withheld; and with Holm's adjustment), as before.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' export helper

from bench.processes import measured  # noqa: E402
from instruments import Instrument, load_instrument, load_shipped  # noqa: E402
from instruments.naming import checkbox_column  # noqa: E402
from plugin.simulate import simulate  # noqa: E402
from scoring.decode import Responses, decode  # noqa: E402
from scoring.questions import Options  # noqa: E402
from scoring.statistics import statistics_table  # noqa: E402
from tests.scoring.redcap_export import export_frame  # noqa: E402

GOAL = 2.0
MISSING = ("NA", "UNK")
LIKERT = [{"code": str(i), "label": label} for i, label in enumerate("ABCDE", start=1)]
SCAN_RUNS = (
    ("overall", {}, Options()),
    ("by org_type", {"by": "org_type"}, Options()),
    ("by org_type, withheld below 5", {"by": "org_type"}, Options(suppress_below=5)),
    ("... and Holm", {"by": "org_type"}, Options(suppress_below=5, adjust="holm")),
)


def choices(count: int) -> list[dict[str, str]]:
    return [{"code": str(i), "label": f"Option {i}"} for i in range(1, count + 1)]


def wide_fields() -> list[dict[str, Any]]:
    """The 100 data fields (after the record id) of the wide survey."""
    fields: list[dict[str, Any]] = [{"name": "record_id", "type": "text", "label": "Record"}]
    for i in range(20):
        kind = "radio" if i % 2 else "dropdown"
        fields.append(
            {"name": f"c{i}", "type": kind, "label": f"C{i}", "choices": choices(3 + i % 4)}
        )
    for i in range(40):
        fields.append(
            {
                "name": f"r{i}",
                "type": "radio",
                "label": f"R{i}",
                "matrix": {"group": f"grid{i // 10}"},
                "choices": LIKERT,
            }
        )
    for i in range(10):
        item: dict[str, Any] = {"name": f"k{i}", "type": "checkbox", "label": f"K{i}"}
        item["choices"] = choices(5)
        if i == 0:
            item["annotation"] = "@NONEOFTHEABOVE='5'"
        fields.append(item)
    for i in range(15):
        rule = {"type": "integer", "min": "0", "max": "100"} if i % 3 else {"type": "number"}
        fields.append({"name": f"n{i}", "type": "text", "label": f"N{i}", "validation": rule})
    for i in range(15):
        fields.append({"name": f"t{i}", "type": "text" if i % 2 else "notes", "label": f"T{i}"})
    for i, target in enumerate(("c3", "r5", "n2", "k4", "t6")):
        for item in fields:
            if item["name"] == target:
                item["branching_logic"] = f"[c{i}] = '1' or [c{i}] = '2'"
    return fields


def wide_definition() -> dict[str, Any]:
    """The wide survey's instrument file, as JSON data."""
    return {
        "id": "bench_wide",
        "version": "1.0.0",
        "title": "Statistics benchmark",
        "kind": "survey",
        "respondent": "anyone",
        "source": {"citation": "Written for the benchmark."},
        "record_id": "record_id",
        "missing_codes": [
            {"code": "NA", "label": "Not applicable", "meaning": "not_applicable"},
            {"code": "UNK", "label": "Don't know", "meaning": "dont_know"},
        ],
        "forms": [{"name": "survey", "label": "Survey", "survey": True}],
        "fields": [{**item, "form": "survey"} for item in wide_fields()],
    }


def wide_instrument() -> Instrument:
    return load_instrument(wide_definition(), name="bench_wide.json").unwrap()


def wide_export(instrument: Instrument, rows: int) -> pd.DataFrame:
    """REDCap's flat raw export of ``rows`` respondents: text, blank for no value."""
    rng = np.random.default_rng(16)
    columns: dict[str, np.ndarray] = {"record_id": np.arange(1, rows + 1).astype(str)}

    def gaps(values: np.ndarray) -> np.ndarray:
        draw = rng.random(rows)
        values = values.astype(object)
        values[draw < 0.04] = ""
        values[(draw >= 0.04) & (draw < 0.05)] = "NA"
        values[(draw >= 0.05) & (draw < 0.06)] = "UNK"
        return values

    for item in instrument.fields[1:]:
        codes = item.choice_codes()
        if item.type == "checkbox":
            for code in codes:
                columns[checkbox_column(item.name, code)] = rng.choice(["0", "1"], rows)
            for code in MISSING:
                columns[checkbox_column(item.name, code)] = np.full(rows, "0")
        elif codes:
            columns[item.name] = gaps(rng.choice(codes, rows))
        elif item.validation is not None:
            numbers = rng.integers(0, 101, rows).astype(str)
            if item.validation.type == "number":
                numbers = np.round(rng.normal(50, 15, rows), 1).astype(str)
            columns[item.name] = gaps(numbers)
        else:
            columns[item.name] = gaps(rng.choice(["fine", "could be better", "no comment"], rows))
    columns["survey_complete"] = rng.choice(["2", "2", "2", "0"], rows)
    return pd.DataFrame(columns)


def floor(responses: Responses) -> None:
    """The least any statistics can do: counts per categorical column, mean and SD per number."""
    frame = responses.frame
    for item in responses.instrument.fields[1:]:
        if item.type == "checkbox":
            for code in item.choice_codes():
                frame[checkbox_column(item.name, code)].value_counts()
        elif item.choices:
            frame[item.name].value_counts()
        elif item.validation is not None:
            frame[item.name].mean()
            frame[item.name].std()


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def wide(rows: int) -> float:
    instrument = wide_instrument()
    export = wide_export(instrument, rows)
    decode_s, responses = best_of(3, lambda: decode(export, instrument))
    stats_s, table = best_of(3, lambda: statistics_table(responses))
    floor_s, _ = best_of(3, lambda: floor(responses))
    ratio, wall = stats_s / floor_s, (decode_s + stats_s) / floor_s
    print(f"{rows:,} respondents x {len(instrument.fields) - 1} fields, {len(table):,} rows")
    print(f"  decode                {decode_s:8.3f} s")
    print(f"  statistics_table      {stats_s:8.3f} s")
    print(f"  floor (value_counts)  {floor_s:8.3f} s")
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"  stats / floor         {ratio:8.1f}x  ({verdict} the goal of {GOAL:g}x)")
    print(f"  (decode + stats) / floor {wall:5.1f}x  peak {peak_mb():.0f} MB")
    return ratio


def scan(rows: int) -> None:
    instrument = load_shipped("provider_scan").unwrap()
    responses = decode(
        export_frame(instrument, simulate(instrument, seed=2017, n=rows)), instrument
    )
    print(f"providers' scan: {rows} respondents x {len(instrument.fields)} fields")
    for name, kwargs, options in SCAN_RUNS:
        started = time.perf_counter()
        table = statistics_table(responses, options, **kwargs)
        seconds = time.perf_counter() - started
        print(f"  {name:<32} {seconds:7.2f} s  {len(table):>6} rows  peak {peak_mb():.0f} MB")


def wide_snapshot(rows: int, folder: Path, env: dict[str, str]) -> tuple[Path, str, int]:
    """The wide survey deployed to the embedded localcap of the instance in ``folder``, its
    records imported and pulled: (the instrument's file, the snapshot store, the snapshot id)."""
    path = folder / "bench_wide.json"
    path.write_text(json.dumps(wide_definition()), encoding="utf-8")
    run = [str(Path(sys.executable).parent / "qiscan")]
    subprocess.run([*run, "deploy", str(path), "--apply"], env=env, cwd=folder, check=True)
    os.environ.update(env)  # this process imports through the same instance's localcap
    from plugin.pull import SnapshotStore
    from plugin.service.config import instance_snapshots
    from plugin.target import Instance, open_for

    instrument = wide_instrument()
    export = wide_export(instrument, rows)
    # REDCap exports a checkbox's missing-code columns but imports a code as the field's value
    codes = tuple(checkbox_column("", code) for code in MISSING)
    records = export[[c for c in export.columns if not c.endswith(codes)]].to_dict("records")
    with open_for([instrument]) as client:
        client.import_in_batches(records, instrument.record_id, batch_size=1000)
    subprocess.run([*run, "pull", str(path)], env=env, cwd=folder, check=True)
    store = instance_snapshots(Instance.default())
    return path, store, SnapshotStore(store).snapshots()[-1].id


def wall(rows: int, in_process: float) -> None:
    """``qiscan stats`` of a pulled snapshot against the floor script, each its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QISCAN_", "PYTHON"))}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        env["QISCAN_INSTANCE"] = str(folder / "instance")
        path, store, snapshot = wide_snapshot(rows, folder, env)
        qiscan = str(Path(sys.executable).parent / "qiscan")
        stats = [qiscan, "stats", "bench_wide", "--instrument", str(path), "-o", "out.csv"]
        here = Path(__file__).resolve().parent
        floor_script = [sys.executable, str(here / "statistics_floor.py"), store, str(snapshot)]
        floor_script.append(str(path))
        bare = [sys.executable, "-c", "import pandas"]
        runs: dict[str, list[tuple[float, float]]] = {
            name: [] for name in ("stats", "floor", "bare")
        }
        for _ in range(3):  # interleaved, so both sides see the same machine
            runs["stats"].append(measured(stats, env, folder))
            runs["floor"].append(measured(floor_script, env, folder))
            runs["bare"].append(measured(bare, env, folder))
    (stats_s, stats_mb), (floor_s, floor_mb) = min(runs["stats"]), min(runs["floor"])
    bare_s = min(runs["bare"])[0]
    ratio = stats_s / floor_s
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"wall, each its own process, best of 3 ({rows:,} x 100 snapshot):")
    print(f"  qiscan stats SNAPSHOT -o out.csv  {stats_s:6.2f} s  peak {stats_mb:.0f} MB")
    print(f"  floor script (store + counts)     {floor_s:6.2f} s  peak {floor_mb:.0f} MB")
    print(f"  python -c 'import pandas'         {bare_s:6.2f} s")
    print(f"  wall stats / floor                {ratio:6.1f}x  ({verdict} the goal of {GOAL:g}x)")
    print(f"  in-process stats / floor          {in_process:6.1f}x")


def main() -> None:
    args = sys.argv[1:]
    with_wall = "--wall" in args
    args = [arg for arg in args if arg != "--wall"]
    scans = [int(arg) for arg in args[args.index("--scan") + 1 :]] if "--scan" in args else []
    wide_args = args[: args.index("--scan")] if "--scan" in args else args
    rows = int(wide_args[0]) if wide_args else 10_000
    ratio = wide(rows)
    if with_wall:
        wall(rows, ratio)
    for size in scans:
        scan(size)


if __name__ == "__main__":
    main()
