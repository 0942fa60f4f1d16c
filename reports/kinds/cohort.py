"""Cohort progress: how the practices' scores moved across waves."""

from reports.cohort import build_cohort
from reports.kind import Kind, Request
from reports.model import Report


def build(request: Request) -> Report:
    return build_cohort(request.main.responses, provenance=request.provenance)


KIND = Kind(
    name="cohort",
    title="cohort progress",
    needs="waves of units (practices)",
    fits=lambda instrument: instrument.waves is not None and instrument.unit is not None,
    build=build,
    order=3,
)
