"""The data-quality report: what in the raw records does not fit the instrument. It reads the
records, not the decoded responses, so it is made of a snapshot that does not decode."""

from reports.kind import Kind, Request
from reports.model import Report
from reports.quality import build_quality


def build(request: Request) -> Report:
    main = request.main
    return build_quality(main.records, main.instrument, provenance=request.provenance)


KIND = Kind(
    name="quality",
    title="the data-quality report",
    needs="any snapshot",
    fits=lambda instrument: True,
    build=build,
    order=5,
)
