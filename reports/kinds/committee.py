"""The committee summary: a survey's descriptive statistics for the committee, the providers'
scan beside the supporters' when both are given."""

from reports.committee import build_committee
from reports.kind import Kind, Request
from reports.model import Report


def build(request: Request) -> Report:
    supporters = request.supporters
    return build_committee(
        request.main.responses,
        supporters.responses if supporters is not None else None,
        provenance=request.provenance,
        field_period=request.field_period,
        suppress_below=request.suppress_below,
        references=request.references,
    )


KIND = Kind(
    name="committee",
    title="the committee summary",
    needs="a survey of one row per respondent, without waves",
    fits=lambda instrument: instrument.kind == "survey" and instrument.waves is None,
    build=build,
    order=1,
    takes=frozenset({"supporters", "suppress_below", "reference", "field_period"}),
)
