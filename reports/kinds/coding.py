"""Coder agreement: how far the coders of open-text answers agree."""

from reports.coding import build_coding
from reports.kind import Kind, Request
from reports.model import Report


def build(request: Request) -> Report:
    return build_coding(request.main.responses, provenance=request.provenance)


KIND = Kind(
    name="coding",
    title="coder agreement",
    needs="a coding instrument",
    fits=lambda instrument: instrument.coding is not None,
    build=build,
    order=4,
)
