"""``qiscan demo``: the main job, end to end, on the embedded default.

Validates every shipped instrument and compiles its REDCap data dictionary into ``--out``, then
starts localcap in-process over a fresh instance folder (``OUT/instance``), and for each
instrument creates a project, deploys the instrument, fills it with simulated responses (the
seed documents' proportions), pulls a snapshot and writes its tidy statistics table; every
report the data supports is written (``OUT/reports``) as its snapshots come, its PDFs by a pool
of processes while the later instruments are pulled; then it says where everything is.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click

from instruments import load_shipped, shipped_names
from instruments.dictionary import compile_dictionary, to_csv, to_json
from instruments.model import Instrument
from plugin.cli.demo_reports import DemoReports
from plugin.cli.instruments import write_translations
from plugin.cli.output import say
from plugin.deploy.apply import deploy
from plugin.deploy.steps import Step
from plugin.pull import Snapshot, SnapshotStore, pull
from plugin.simulate import simulate
from plugin.simulated_import import safe_rows
from plugin.snapshots import snapshot_records
from plugin.target import Instance, Localcap, embedded_localcap, open_for
from reports.files import write_atomically
from reports.tables import to_csv as table_csv
from scoring.decode import decode
from scoring.statistics import statistics_table
from scoring.units import check_units

# Respondents, practices or excerpts per instrument: big enough for stable percentages,
# small enough that the demo runs in seconds.
DEMO_SIZES = {
    "provider_scan": 150,
    "supporter_scan": 90,
    "practice_readiness": 40,
    "focus_group": 18,
    "qualitative_coding": 60,
}


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
)
@click.option(
    "--seed", type=int, default=2017, show_default=True, help="Seed for the simulated responses."
)
def demo(out: Path, seed: int) -> None:
    """Compile, deploy to embedded localcap, simulate responses and pull snapshots."""
    instruments = compile_all(out)
    instance = Instance(out / "instance")
    if instance.folder.exists():
        shutil.rmtree(instance.folder)  # the demo's own folder: every run starts clean
    store = SnapshotStore(instance.snapshots)
    started = time.perf_counter()
    # Reports are built, and their PDFs rendered, while the later snapshots are pulled.
    with DemoReports(store, out / "reports") as reports:
        with embedded_localcap(instance) as localcap:
            say(f"\nlocalcap is running at {localcap.url} over {instance.localcap_db}")
            for instrument in instruments:
                snap, steps, written = publish(localcap, store, instrument, seed)
                count = write_statistics(
                    store, snap, instrument, out / "stats" / f"{instrument.id}.csv"
                )
                say(
                    f"{instrument.id:<20} deployed in {len(steps)} steps, {written:>4} records "
                    f"simulated, snapshot {snap.id}: {snap.row_count} rows, "
                    f"hash {snap.content_hash[:12]}, {count} statistics"
                )
                reports.add(instrument.id, snap, instrument)
        say("")
        reports.finish(say)
    say(f"\ndone in {time.perf_counter() - started:.1f} s. Where everything is:")
    say(f"  data dictionaries    {out}/<instrument>.csv and .json")
    say(f"  localcap database    {instance.localcap_db}")
    say(f"  snapshots            {instance.snapshots}")
    say(f"  statistics (tidy)    {out}/stats/<instrument>.csv")
    say(f"  reports              {out}/reports/ (committee, practice feedback, cohort, coding,")
    say("                       quality; HTML, PDF, XLSX, CSV, JSON)")
    say(f"  tokens (owner-only)  {instance.folder / 'secrets.json'}")
    say("  open survey links    qiscan localcap serve --db " + str(instance.localcap_db))
    say("  explore the projects:")
    say(f"    QISCAN_INSTANCE={instance.folder} qiscan deploy practice_readiness")
    say(f"    QISCAN_INSTANCE={instance.folder} qiscan pull practice_readiness")
    say(
        f"    QISCAN_INSTANCE={instance.folder} qiscan stats practice_readiness --waves "
        "-o readiness.csv"
    )


def publish(
    localcap: Localcap, store: SnapshotStore, instrument: Instrument, seed: int
) -> tuple[Snapshot, list[Step], int]:
    """Create the instrument's project, deploy it, import simulated responses and pull them:
    the snapshot, the deploy's steps and the number of records written."""
    with open_for([instrument], localcap=localcap) as client:
        _, steps = deploy(client, [instrument])
        rows = simulate(instrument, seed=seed, n=DEMO_SIZES.get(instrument.id, 50))
        safe = safe_rows(client, instrument, rows)
        written = client.import_in_batches(safe.rows, instrument.record_id)
        result = pull(client, store, instruments={instrument.id: instrument.version})
    return result.snapshot, steps, written


def write_statistics(
    store: SnapshotStore, snapshot: Snapshot, instrument: Instrument, path: Path
) -> int:
    """The snapshot's tidy statistics table (with change across waves where there are waves)."""
    records = snapshot_records(store, snapshot)
    responses = check_units(decode(records, instrument)).responses  # as the service reads it
    table = statistics_table(responses, waves=instrument.waves is not None)
    write_atomically(path, table_csv(table))
    return len(table)


def compile_all(out: Path) -> list[Instrument]:
    """Validate and compile every shipped instrument; exit non-zero if any has errors."""
    instruments = []
    failed = False
    for name in shipped_names():
        result = load_shipped(name)
        for problem in result.problems:
            say(f"{problem.severity} {problem}")
        if not result.ok or result.instrument is None:
            failed = True
            continue
        rows = compile_dictionary([result.instrument])
        csv_path, json_path = out / f"{name}.csv", out / f"{name}.json"
        write_atomically(csv_path, to_csv(rows))
        write_atomically(json_path, to_json(rows))
        say(f"{name:<20} {len(rows):>4} fields  {csv_path}  {json_path}")
        write_translations(csv_path, [result.instrument])
        instruments.append(result.instrument)
    if failed:
        say("some instruments have errors; see above")
        sys.exit(1)
    return instruments
