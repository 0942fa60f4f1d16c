"""Practice feedback: each practice against its peers, one report per practice (or the one
named)."""

from reports.kind import Kind, Request
from reports.model import Report
from reports.practice import build_practice, build_practices


def build(request: Request) -> Report | list[Report]:
    """One practice's report when the request names a practice, else one per practice."""
    responses = request.main.responses
    if request.practice is not None:
        return build_practice(
            responses,
            request.practice,
            provenance=request.provenance,
            compare_by=request.compare_by,
        )
    return build_practices(responses, provenance=request.provenance, compare_by=request.compare_by)


KIND = Kind(
    name="practice",
    title="practice feedback",
    needs="waves of units (practices)",
    fits=lambda instrument: instrument.waves is not None and instrument.unit is not None,
    build=build,
    order=2,
    takes=frozenset({"practice", "compare_by"}),
    # it compares one practice with the cohort in words and charts: no result table
    tidy=False,
)
