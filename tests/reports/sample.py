"""A rich sample Report, built inline from reports.model objects, for every renderer's tests.

It holds every block type, a suppressed cell and a suppressed bar, a NaN gap in a line, a
table long enough to run over several PDF pages, and a section of hostile text (markup, a
template expression, a 5,000-character word) where respondents' answers and labels go. The
numbers echo the environmental scan (58% of providers had done QI, 77% of supporters had
supported it) and the practice readiness reassessments; they are made up, not computed.

Renderer tests import :func:`sample_report` (and :func:`hostile_report` for a report whose
every text slot is hostile) and assert on the constants below rather than repeating them.
"""

from __future__ import annotations

import math

from reports.model import (
    Band,
    Bar,
    BarChart,
    Block,
    Cell,
    Column,
    Facts,
    LineChart,
    Provenance,
    Report,
    RunChart,
    Section,
    Series,
    Suppressed,
    Table,
    Text,
    TextList,
)

NAN = math.nan
LONG_STRING = "A" * 5000
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</table>",
    "{{7*7}}",
    LONG_STRING,
)
SMALL = Suppressed(shown="<5", reason="fewer than 5 respondents")
LONG_TABLE_ROWS = 120
LONG_TABLE_HEADER = "Member organisation"
PROVENANCE = Provenance(
    qiscan_version="0.1.0",
    instruments=(("provider_scan", "1.2.0"), ("supporter_scan", "1.1.0")),
    snapshot_id=4217,
    content_hashes=("sha256:9f2c6b1e0d4a7c3b8e5f1a2d6c9b0e3f7a4d1c8b5e2f9a6d3c0b7e4f1a8d5c2b",),
    pulled_at="2017-01-16T09:41:07-05:00",
    project="Alliance environmental scan (pid 31)",
    generated_at="2017-01-16T10:02:55Z",
)


def _about() -> Section:
    return Section(
        "About this scan",
        (
            Text(
                "In late 2016 the Alliance Research Committee surveyed educational providers "
                "and supporters in five domains.",
                "lead",
            ),
            Facts(
                (
                    ("Providers who responded", "143"),
                    ("Supporters who responded", "52"),
                    ("Survey window", "14 November to 16 December 2016"),
                    ("Small counts", "Counts below 5 are withheld"),
                ),
                title="Methods",
            ),
            Text("Percentages are of the respondents who were asked each question.", "note"),
            Text("Supporters' answers rest on 52 organisations: read them with care.", "warning"),
            Text("Each domain below gives the frequencies, their 95% Wilson intervals and tests."),
        ),
    )


def _quality_improvement() -> Section:
    chart = BarChart(
        "Providers' involvement in QI education",
        (
            Bar("Have done QI education", 58.0, 49.8, 65.8, note="n=143"),
            Bar("Never", 28.0, 21.3, 35.9),
            Bar(
                "Not relevant to our organisation's mission or accredited activities",
                14.0,
                9.2,
                20.7,
            ),
            Bar("Other (please specify)", 3.0, suppressed=SMALL),
        ),
        note="Bars show percent of providers asked; whiskers their 95% Wilson interval.",
    )
    columns = (
        Column("answer", "Answer"),
        Column("count", "Respondents", "integer"),
        Column("percent", "Percent", "percent"),
        Column("low", "95% CI low", "percent"),
        Column("high", "95% CI high", "percent"),
    )
    rows: tuple[dict[str, Cell], ...] = (
        {
            "answer": "Have done QI education",
            "count": 83,
            "percent": 58.0,
            "low": 49.8,
            "high": 65.8,
        },
        {"answer": "Never", "count": 40, "percent": 28.0, "low": 21.3, "high": 35.9},
        {"answer": "Not relevant", "count": 20, "percent": 14.0, "low": 9.2, "high": 20.7},
        {
            "answer": "Other (please specify)",
            "count": SMALL,
            "percent": SMALL,
            "low": None,
            "high": None,
        },
        {"answer": "All asked", "count": 1143, "percent": 100.0, "low": None, "high": None},
    )
    table = Table(
        "qi_involvement",
        "Involvement in QI education",
        columns,
        rows,
        note="Counts below 5 are withheld.",
    )
    return Section("Quality improvement", (chart, table))


def _by_type() -> Section:
    columns = (
        Column("group", "Organisation type"),
        Column("n", "n", "integer"),
        Column("done", "Done QI", "percent"),
        Column("mean", "Mean readiness", "number", 2),
        Column("p", "p (chi-square)", "p_value", 3),
    )
    rows: tuple[dict[str, Cell], ...] = (
        {"group": "Medical school", "n": 31, "done": 71.0, "mean": 3.456, "p": 0.0421},
        {"group": "Medical education company", "n": 64, "done": 53.1, "mean": 3.1, "p": 0.0004},
        {"group": "Specialty association", "n": 48, "done": 56.3, "mean": NAN, "p": None},
    )
    table = Table("qi_by_type", "QI education by organisation type", columns, rows)
    return Section("QI by organisation type", (table,), level=3)


def _readiness() -> Section:
    rounds = ("Baseline", "6 months", "12 months", "18 months", "24 months")
    line = LineChart(
        "Readiness score of Riverside Family Practice against the cohort",
        rounds,
        (
            Series("Riverside Family Practice", (42.0, 48.5, NAN, 61.0, 66.5), emphasis=True),
            Series("Cohort median", (45.0, 49.0, 53.5, 55.0, 58.0)),
            Series("Region average", (47.0, 50.0, 52.0, 54.0, 56.0)),
        ),
        y_label="Readiness score (0 to 100)",
        bands=(
            Band("Getting started", 0.0, 40.0),
            Band("Building", 40.0, 70.0),
            Band("Ready to lead", 70.0, 100.0),
        ),
        note="The 12-month reassessment was not done.",
    )
    run = RunChart(
        "Practices reassessed on time, by month",
        tuple(f"2017-{m:02d}" for m in range(1, 13)) + tuple(f"2018-{m:02d}" for m in range(1, 9)),
        (
            52.0,
            55.0,
            49.0,
            51.0,
            58.0,
            60.0,
            61.0,
            63.0,
            62.0,
            64.0,
            66.0,
            59.0,
            67.0,
            68.0,
            70.0,
            69.0,
            71.0,
            72.0,
            70.0,
            74.0,
        ),
        median=63.5,
        signals=("A shift: 8 points in a row above the median, from 2017-10 to 2018-05.",),
        rules_note="Anhoej rules applied to 20 points.",
        y_label="Percent on time",
    )
    facts = Facts(
        (("Practice", "Riverside Family Practice"), ("Rounds", "4 of 5"), ("Latest", "66.5")),
        title="Riverside at a glance",
    )
    return Section("Practice readiness over time", (facts, line, run))


def _answers() -> Section:
    answers = TextList(
        "What would make QI education easier to offer?",
        (
            "Protected time for faculty.",
            "Access to practice-level data\nwithout months of delay.",
            *HOSTILE,
        ),
        note="Answers as typed, one per respondent.",
    )
    columns = (Column("answer", "Answer as typed"), Column("count", "Times given", "integer"))
    table = Table(
        "typed",
        "Other answers, as typed",
        columns,
        tuple({"answer": text, "count": i + 1} for i, text in enumerate(HOSTILE)),
    )
    chart = BarChart(
        "Other answers, as typed",
        tuple(Bar(text, 10.0 * (i + 1)) for i, text in enumerate(HOSTILE)),
    )
    return Section("What respondents wrote", (answers, table, chart))


def _long_table() -> Section:
    columns = (
        Column("org", LONG_TABLE_HEADER),
        Column("type", "Type"),
        Column("activities", "Activities", "integer"),
        Column("learners", "Learners", "integer"),
        Column("qi", "QI share", "percent"),
    )
    types = ("Medical school", "Education company", "Specialty association", "Hospital")
    rows = tuple(
        {
            # Two lines in the PDF, so a row split over pages would part the name from its ref.
            "org": f"Organisation {i:03d}: Alliance member since {1990 + i % 30}, ref M-{i:03d}",
            "type": types[i % len(types)],
            "activities": 3 + (i * 7) % 40,
            "learners": 250 + (i * 977) % 25000,
            "qi": SMALL if i % 37 == 5 else float((i * 13) % 100),
        }
        for i in range(1, LONG_TABLE_ROWS + 1)
    )
    table = Table("members", "Every responding member organisation", columns, rows)
    return Section("Responding organisations", (table,))


def sample_report() -> Report:
    """The committee-style sample: every block type, suppression, a long table, hostile text."""
    return Report(
        kind="committee",
        title="Environmental scan 2016: providers and supporters",
        subtitle="Findings for the Alliance Research Committee",
        sections=(
            _about(),
            _quality_improvement(),
            _by_type(),
            _readiness(),
            _answers(),
            _long_table(),
        ),
        provenance=PROVENANCE,
        suppress_below=5,
        audience="Alliance Research Committee",
    )


def hostile_report() -> Report:
    """Every text slot a renderer fills holds one of the hostile strings."""
    one, two, three, four, five = HOSTILE
    blocks: tuple[Block, ...] = (
        Text(one),
        Text(two, "warning"),
        Facts(((one, two), (three, four)), title=five),
        Table(
            "hostile",
            three,
            (Column("a", one), Column("b", two, "integer")),
            tuple({"a": text, "b": Suppressed(text, text)} for text in HOSTILE),
            note=four,
        ),
        BarChart(
            two,
            tuple(Bar(text, 20.0 * (i + 1)) for i, text in enumerate(HOSTILE))
            + (Bar(one, 1.0, suppressed=Suppressed(two, three)),),
            note=one,
        ),
        LineChart(
            three,
            HOSTILE,
            (
                Series(four, (1.0, 2.0, 3.0, 4.0, 5.0), emphasis=True),
                Series(one, (5.0, 4.0, 3.0, 2.0, 1.0)),
            ),
            y_label=two,
            bands=(Band(one, 0.0, 3.0),),
            note=five,
        ),
        RunChart(
            four,
            HOSTILE,
            (1.0, 2.0, 3.0, 2.0, 1.0),
            2.0,
            signals=HOSTILE,
            rules_note=one,
            y_label=three,
        ),
        TextList(one, HOSTILE, note=two),
    )
    return Report(
        kind="committee",
        title=one,
        subtitle=two,
        sections=(Section(four, blocks), Section(three, (Text(five),), level=3)),
        provenance=Provenance(
            qiscan_version=one,
            instruments=((two, three),),
            snapshot_id=7,
            content_hashes=(four,),
            pulled_at=two,
            project=one,
            generated_at=three,
        ),
        audience=two,
    )
