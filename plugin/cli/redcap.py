"""``qiscan deploy`` and ``qiscan pull``: the commands that talk to REDCap or embedded localcap."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from instruments.model import Instrument
from plugin.cli.instruments import resolve
from plugin.cli.output import say
from plugin.deploy import apply_steps, desired_project, draft_mode_package, render_plan
from plugin.deploy.apply import deploy, run_steps
from plugin.deploy.steps import DeployRefused
from plugin.pull import SnapshotStore, pull
from plugin.pull.writer import TakenOver
from plugin.redcap import RedcapProblem
from plugin.service.config import instance_snapshots
from plugin.target import Instance, open_for
from reports.files import write_atomically


def load_all(names: tuple[str, ...]) -> list[Instrument]:
    loaded = []
    for name in names:
        result = resolve(name)
        for problem in result.errors:
            say(f"error {problem}")
        if result.instrument is None or not result.ok:
            sys.exit(1)
        loaded.append(result.instrument)
    return loaded


@click.command("deploy")
@click.argument("names", nargs=-1, required=True)
@click.option("--project", help="Project name in embedded localcap (default: the first id).")
@click.option("--apply", "do_apply", is_flag=True, help="Carry the plan out.")
@click.option("--allow-data-loss", is_flag=True, help="Allow changes that lose stored data.")
@click.option("--json", "as_json", is_flag=True, help="The plan as JSON on stdout.")
@click.option(
    "--draft-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/draft"),
    show_default=True,
    help="Where a production project's Draft Mode package goes.",
)
def deploy_command(
    names: tuple[str, ...],
    project: str | None,
    do_apply: bool,
    allow_data_loss: bool,
    as_json: bool,
    draft_dir: Path,
) -> None:
    """Compare instruments with the REDCap project, print the plan, and apply it."""
    instruments = load_all(names)
    try:
        with open_for(instruments, project) as client:
            plan, _ = deploy(client, instruments, apply=False)
            click.echo(json.dumps(plan.as_dict(), indent=1)) if as_json else say(render_plan(plan))
            if plan.in_production and plan.has_changes:
                package = draft_mode_package(plan, desired_project(instruments))
                for name, text in package.files().items():
                    write_atomically(draft_dir / name, text)
                say(f"production project: Draft Mode package written to {draft_dir}/")
                return
            if not do_apply:
                if plan.has_changes:
                    say("nothing applied; run again with --apply to carry the plan out")
                return
            steps = apply_steps(plan, allow_data_loss=allow_data_loss)
            run_steps(client, steps, progress=lambda step: say(f"  {step.content}: {step.why}"))
            say(f"applied {len(steps)} step(s)")
    except DeployRefused as exc:
        say(f"error {exc}")
        sys.exit(1)
    except RedcapProblem as exc:
        say(f"error {exc}")
        sys.exit(1)


@click.command("pull")
@click.argument("names", nargs=-1, required=True)
@click.option("--project", help="Project name in embedded localcap (default: the first id).")
@click.option("--full", is_flag=True, help="Pull everything, not only what changed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True)
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot database (default: the one the instance's service reads; QISCAN_SNAPSHOTS "
    "overrides).",
)
def pull_command(
    names: tuple[str, ...], project: str | None, full: bool, batch_size: int, store: Path | None
) -> None:
    """Pull the project's records into a new local snapshot."""
    instruments = load_all(names)
    snapshots = SnapshotStore(store or instance_snapshots(Instance.default()))
    versions = {i.id: i.version for i in instruments}
    try:
        with open_for(instruments, project) as client:
            with click.progressbar(length=0, label="pulling records", file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                result = pull(
                    client,
                    snapshots,
                    instruments=versions,
                    batch_size=batch_size,
                    incremental=not full,
                    progress=progress,
                )
    except (RedcapProblem, TakenOver) as exc:
        say(f"error {exc}; the previous snapshot is unchanged")
        sys.exit(1)
    snap = result.snapshot
    resumed = (
        f" ({result.resumed_records} of them kept from an earlier pull that stopped)"
        if result.resumed
        else ""
    )
    say(
        f"snapshot {snap.id} ({result.mode}): {snap.record_count} records, {snap.row_count} rows, "
        f"{result.exported_records} exported{resumed} in {result.batches} batch(es), "
        f"{result.deleted_records} deleted, hash {snap.content_hash[:12]}, "
        f"{result.seconds:.1f} s"
    )
