"""The committee report's executive summary: first, the response in words, then 5 to 8 key
findings whose every number is a row of the statistics table, never a withheld one."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from statsmodels.stats.proportion import proportion_confint

from instruments import load_shipped
from reports.committee import build_committee
from reports.committee_questions import make_group
from reports.committee_summary import TITLE, key_findings
from reports.model import Report, Text, TextList
from reports.render_html import to_html
from reports.render_pdf import to_pdf_bytes
from scoring.decode import Responses, decode
from scoring.questions import Options
from tests.reports.test_committee import PROVENANCE, SUPPORTERS, responses_of
from tests.scoring.redcap_export import export_frame

PROVIDERS = load_shipped("provider_scan").unwrap()
FIELD_WORDS = {f.name: f.label for f in PROVIDERS.fields if f.name.startswith("edu_alp_")}
PERCENT = r"(\d+\.\d)%"
SHARE = re.compile(
    rf"{PERCENT} of the (\d+) (providers|supporters) who answered '.*' chose '(.*)' "
    rf"\(95% CI {PERCENT} to {PERCENT}\)\."
)
BARRIER = re.compile(
    rf"The barrier (providers|supporters) named most often was '(.*)': {PERCENT} of the (\d+) "
    rf"who answered '.*' \(95% CI {PERCENT} to {PERCENT}\)\."
)
DIFFERENCE = re.compile(
    rf"'(.*)' for '.*': {PERCENT} of the (\d+) providers \(95% CI {PERCENT} to {PERCENT}\) "
    rf"against {PERCENT} of the (\d+) supporters \(95% CI {PERCENT} to {PERCENT}\); "
    r"Holm-adjusted p (< 0\.001|= [\d.]+)\."
)
RATING = re.compile(
    rf"{PERCENT} of the (\d+) (providers|supporters) answered '(.*)' or '(.*)' to '(.*)' "
    rf"\(95% CI {PERCENT} to {PERCENT}\)\."
)


@pytest.fixture(scope="module")
def providers() -> Responses:
    return responses_of(PROVIDERS, 150, 2016)


@pytest.fixture(scope="module")
def supporters() -> Responses:
    return responses_of(SUPPORTERS, 90, 2017)


@pytest.fixture(scope="module")
def report(providers: Responses, supporters: Responses) -> Report:
    return build_committee(providers, supporters, provenance=PROVENANCE, field_period="Autumn")


@pytest.fixture(scope="module")
def suppressed(providers: Responses, supporters: Responses) -> Report:
    return build_committee(providers, supporters, provenance=PROVENANCE, suppress_below=25)


def findings(report: Report) -> tuple[str, ...]:
    found = [b for b in report.sections[0].blocks if isinstance(b, TextList)]
    assert len(found) == 1
    return found[0].items


def quoted_row(
    tidy: pd.DataFrame, group: str, choice: str | None, value: str, n: str, low: str, high: str
) -> pd.Series:
    """The one row of the statistics table a sentence's share quotes (asserting it is one)."""
    instrument = "provider_scan" if group == "providers" else "supporter_scan"
    rows = tidy[
        (tidy["instrument"] == instrument)
        & tidy["statistic"].isin(["percent", "percent_of_respondents"])
        & ((tidy["choice_label"] == choice) if choice is not None else True)
        & (tidy["n"] == int(n))
        & (tidy["value"].round(1) == float(value))
        & (tidy["ci_low"].round(1) == float(low))
        & (tidy["ci_high"].round(1) == float(high))
    ]
    assert len(rows) == 1, f"{group} {choice!r} {value}% n={n}: {len(rows)} rows match"
    return rows.iloc[0]


def rating_row(
    report: Report, value: str, n: str, group: str, second: str, top: str, question: str,
    low: str, high: str,
) -> pd.Series:  # fmt: skip
    """A rating finding: its grid row's two highest levels, counted in the statistics table,
    over those who answered; the interval Wilson's (statsmodels, as R prop.test(correct =
    FALSE)); and the same numbers in the grid's own table."""
    assert report.tidy is not None
    instrument = "provider_scan" if group == "providers" else "supporter_scan"
    counts = report.tidy[
        (report.tidy["instrument"] == instrument)
        & (report.tidy["statistic"] == "count")
        & (report.tidy["group_by"] == "")
    ]
    labels = counts.groupby("field")["choice_label"].apply(list)
    (name,) = [f for f, levels in labels.items() if levels[-2:] == [second, top] and
               f.startswith("edu_alp_") and question.endswith(FIELD_WORDS[f])]  # fmt: skip
    row = counts[counts["field"] == name]
    high_count, total = int(row["value"].iloc[-2:].sum()), int(row["value"].sum())
    assert total == int(n)
    assert float(value) == pytest.approx(round(100 * high_count / total, 1))
    ci = proportion_confint(high_count, total, method="wilson")
    assert (float(low), float(high)) == pytest.approx(
        (round(100 * ci[0], 1), round(100 * ci[1], 1))
    )
    grid = next(t for t in report.tables() if t.name == "grid edu_alp_grid")
    key = "0" if group == "providers" else "1"
    cells = next(r for r in grid.rows if question.endswith(str(r["item"])))
    assert cells[f"{key}_n"] == total and round(float(str(cells[f"{key}_high"])), 1) == float(value)
    return row.iloc[-1]


def quoted_rows(report: Report) -> list[pd.Series]:
    assert report.tidy is not None
    tidy, rows = report.tidy, []
    for sentence in findings(report):
        if m := SHARE.fullmatch(sentence):
            value, n, group, choice, low, high = m.groups()
            rows.append(quoted_row(tidy, group, choice, value, n, low, high))
        elif m := BARRIER.fullmatch(sentence):
            group, choice, value, n, low, high = m.groups()
            rows.append(quoted_row(tidy, group, choice, value, n, low, high))
        elif m := RATING.fullmatch(sentence):
            rows.append(rating_row(report, *m.groups()))
        elif m := DIFFERENCE.fullmatch(sentence):
            choice, pv, pn, pl, ph, sv, sn, sl, sh, p = m.groups()
            provider = quoted_row(tidy, "providers", choice, pv, pn, pl, ph)
            # the supporters' survey words the option its own way: the same code, same question
            same = tidy[
                (tidy["field"] == provider["field"])
                & (tidy["choice_code"] == provider["choice_code"])
            ]
            supporter = quoted_row(same, "supporters", None, sv, sn, sl, sh)
            rows += [provider, supporter]
            assert p == "< 0.001" or float(p.removeprefix("= ")) <= 0.05
        else:
            pytest.fail(f"a finding in no known form: {sentence}")
    return rows


def test_the_summary_is_the_first_section_and_says_who_responded(report: Report) -> None:
    first = report.sections[0]
    assert first.title == TITLE
    paragraphs = [b.text for b in first.blocks if isinstance(b, Text)]
    assert paragraphs[0].startswith(
        "Providers: 150 invited or opened the link and 150 responded (143 complete, 7 partial); "
        "AAPOR response rate RR1 95.3%, RR2 100.0%"
    )
    assert paragraphs[1].startswith("Supporters: 90 invited")
    assert "field period Autumn (no completion times in the data)" in paragraphs[0]


def test_five_to_eight_findings_each_quoting_the_statistics_table(report: Report) -> None:
    assert 5 <= len(findings(report)) <= 8
    rows = quoted_rows(report)
    assert len(rows) >= len(findings(report))
    assert len({(r["instrument"], r["field"]) for r in rows}) == len(rows)  # none quoted twice


def test_every_kind_of_finding_appears_on_the_demo_data(report: Report) -> None:
    items = findings(report)
    assert any(SHARE.fullmatch(s) for s in items)
    ratings = [s for s in items if RATING.fullmatch(s)]
    assert len(ratings) == 2 and {"providers", "supporters"} == {
        m.group(3) for s in ratings if (m := RATING.fullmatch(s))
    }
    assert not any(SHARE.fullmatch(s) and "Adult learning principles" in s for s in items)
    assert any(DIFFERENCE.fullmatch(s) for s in items)
    barriers = [s for s in items if BARRIER.fullmatch(s)]
    assert len(barriers) == 2 and all("QI" in s for s in barriers)


def test_no_difference_without_the_supporters(providers: Responses) -> None:
    alone = build_committee(providers, None, provenance=PROVENANCE)
    items = findings(alone)
    assert 5 <= len(items) <= 8
    assert not any(DIFFERENCE.fullmatch(s) for s in items)
    assert "supporters" not in " ".join(items)
    quoted_rows(alone)


def test_a_withheld_cell_is_never_quoted(report: Report, suppressed: Report) -> None:
    assert suppressed.tidy is not None
    withheld = suppressed.tidy["note"].str.startswith("withheld")
    # The supporters' barriers rest on 21 respondents: suppressing below 25 withholds them.
    assert withheld[suppressed.tidy["field"] == "qi_barriers"].any()
    rows = quoted_rows(suppressed)
    assert rows and not any(str(r["note"]).startswith("withheld") for r in rows)
    assert all(r["n"] >= 25 for r in rows)
    assert findings(suppressed) != findings(report)


def test_each_finding_links_to_its_questions_section(
    providers: Responses, supporters: Responses, report: Report
) -> None:
    groups = [
        make_group("Providers", "provider", "p", providers),
        make_group("Supporters", "supporter", "s", supporters),
    ]
    assert report.tidy is not None
    tables = {
        g.instrument.id: report.tidy[report.tidy["instrument"] == g.instrument.id] for g in groups
    }
    found = key_findings(groups, report.sections[1:], Options(), tables)
    assert [f.sentence for f in found] == list(findings(report))
    html = BeautifulSoup(to_html(report), "html.parser")
    summary = html.select_one("section#s1")
    assert summary is not None and summary.h2 is not None and summary.h2.get_text() == TITLE
    assert [li.get_text() for li in summary.select("li")] == list(findings(report))
    for finding, item in zip(found, summary.select("li"), strict=True):
        assert finding.section is not None and item.a is not None, finding.sentence
        target = html.select_one(f"section{item.a['href']}")  # the link, followed
        assert target is not None and target.h3 is not None
        share = finding.shares[0]
        names = {b.name for b in report.sections[finding.section].blocks if hasattr(b, "name")}
        fields = {name.split(" ")[-1] for name in names}  # "p qi_barriers", "qi_involvement"
        grid = [name for name in names if name.startswith("grid ")]
        assert share.field in fields or grid, (share.field, names)
        assert target.h3.get_text() == report.sections[finding.section].title
        assert f"'{share.question}'" in finding.sentence


def test_the_field_period_is_the_span_of_completion_times() -> None:
    from plugin.simulate import simulate

    rows = simulate(PROVIDERS, seed=3, n=6)
    raw = export_frame(PROVIDERS, rows)
    raw.insert(1, "provider_scan_timestamp", ["2016-10-03 09:00:00"] * 5 + ["2016-12-01 17:30"])
    report = build_committee(decode(raw, PROVIDERS), None, provenance=PROVENANCE)
    text = report.sections[0].blocks[0]
    assert isinstance(text, Text)
    assert "responses completed from 2016-10-03 09:00 to 2016-12-01 17:30" in text.text


def test_the_pdfs_first_page_holds_the_summary(report: Report) -> None:
    page = PdfReader(io.BytesIO(to_pdf_bytes(report))).pages[0].extract_text()
    assert "Executive summary\nProviders: 150 invited" in page and "Key findings" in page
    assert "Holm-adjusted p = 0.004" in " ".join(page.replace("Holm-\n", "Holm-").split())
