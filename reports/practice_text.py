"""The words of the practice feedback report, kept in one place so their tone can be read whole.

The facilitators' guide (seeds/001) asks for feedback delivered "in a nonjudgmental way,
acknowledging strengths as well as opportunities for improvement", for periodic assessments
read as change over time ("significant practice change takes time"), and for conversations
held as "respectful negotiations" rather than instructions. So the report speaks to the
practice, leads with its own change and its strengths, offers the guide's engagement strategy
as a suggestion, and never grades: :data:`FORBIDDEN` lists words it must not use.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Words that grade a practice or order it about; the tests check that no practice report
# contains them. (Not "should": a question the practice answered may use it, and is quoted.)
FORBIDDEN = (
    "poor",
    "fail",
    "worst",
    "worse",
    "bad",
    "weak",
    "behind",
    "lagging",
    "below average",
    "inadequate",
    "deficien",
    "underperform",
    "struggl",
    "must",
    "low-performing",
    "lowest-performing",
    "underachiev",
    "unacceptable",
    "insufficient",
    "shortcoming",
    "laggard",
)

OPENING = (
    "This report shows where your practice stands on the {title} assessment: your scores at "
    "each assessment, how they have moved since your first one, and how they sit alongside "
    "the other practices in the programme. It is meant to start a conversation with your "
    "facilitator, not to grade you."
)
TAKES_TIME = (
    "Real change in a practice takes time. Read the movement across several assessments "
    "rather than any single score."
)
GLANCE_TITLE = "Your practice at a glance"
GLANCE_LEAD = (
    "This page sums up where your practice stands on the {title} assessment: your readiness "
    "band, and for each element your score at {wave} beside {group}, how it has moved since "
    "your first assessment, and the way of working together the facilitators' guide suggests."
)
BAND_MEANS = "What this means: {meaning}"
# The guide's engagement strategies (seeds/001), told to the practice; keyed by the short name
# the instrument's band guidance starts with (the words before its first colon).
STRATEGY_FOR_YOU: Mapping[str, str] = MappingProxyType(
    {
        "Set the stage": "now may not be the moment for a large improvement project, and "
        "that is fine: your facilitator will keep in touch, share what is useful and be there "
        "when the time is right.",
        "Build trust and tailor the message": "your practice has a base to build on: your "
        "facilitator can plan with you as equals, through people you already trust, and speak "
        "to what clinicians, managers and staff each care about.",
        "Maintain buy-in": "your practice is ready for improvement work: bring everyone with "
        "influence on board, start with a project that shows results quickly, and build step "
        "by step, looking back at what you have achieved.",
    }
)
STRATEGY_OTHER = "the facilitators' guide suggests this way of working together: {guidance}"
GLANCE_TABLE = "Each element at {wave}"
GLANCE_COLUMNS = (
    "Yours: your practice's score. Median (middle half): of {group} at the same assessment "
    "(half scored higher than the median, half lower; the middle half runs from the lower to "
    "the upper quartile). Change: in score points since {baseline}, marked when it is larger "
    "than the measurement's usual wobble."
)
GLANCE_STRATEGIES = "What the guide suggests for each band"
GLANCE_STRATEGY = "{band} ({strategy}): {meaning}"
ELEMENT_BANDS = (
    "The elements have no bands of their own, so each is read against the {label} bands "
    "({bands}): a local starting point for planning together, not a validated cut-off."
)
GLANCE_MEDIAN = "Median (middle half)"
MEDIAN_CELL = "{median} ({q1}\u2060\u2013\u2060{q3})"  # word joiners: never broken
GLANCE_MARKED = "Beyond the usual wobble?"
MARKED: Mapping[str, str] = MappingProxyType(
    {
        "improved": "Yes, a rise",
        "declined": "Yes, a fall",
        "unchanged": "No",
        "not assessed": "No threshold",
    }
)
NO_CHANGE_CELL = "no first score"
NO_SCORE_CELL = "no score"

COHORT_NAME = "all practices in the programme"
COHORT_SHORT = "Cohort"
GROUP_SHORT = "Group"
GROUP_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "region": "practices in the {value} region",
        "practice_size": "practices of {value} clinicians",
        "system_affiliation": 'practices whose health-system affiliation is "{value}"',
    }
)
GROUP_NAME_OTHER = 'practices whose {field} is "{value}"'
GROUP_VALUE_NAMES: Mapping[str, str] = MappingProxyType({"1 (solo)": "solo practices"})
COMPARED_WITH = "Your practice is compared with {group} at each assessment ({count} at {wave})."
FELL_BACK = (
    "There were only {count} {group} at {wave}; with fewer than {minimum} a comparison would "
    "mostly show chance, so your practice is compared with {cohort} instead."
)
FELL_BACK_UNKNOWN = (
    "Your practice's {field} is not recorded, so it is compared with {cohort} instead."
)

SCORE_RANGE = (
    "Scores run from {low} to {high}; a higher score means more of that element is in place."
)
SET_ASIDE_TITLE = "Why there is no feedback"
SET_ASIDE_SUBTITLE = "No feedback: its records are set aside"
SET_ASIDE = "There is no feedback report for {unit_label} {unit}: {why}"
NOT_SCORED = (
    "Your practice has no scored assessment yet, so there is nothing to show here. Your "
    "facilitator can go through the assessment with you."
)

BAND_NOW = (
    'At {wave}, your practice\'s {label} score was {value}, in the band "{band}" ({low} to {high}).'
)
BAND_SUGGESTION = (
    "For practices in this band, the facilitators' guide suggests this way of working "
    "together: {guidance} Take it as a suggestion to talk over with your facilitator, not a rule."
)
BAND_CONVENTION = (
    "The bands are a local starting point for planning together, not a validated cut-off."
)
NO_BAND = "Your practice has no {label} score yet, so no band is shown."

SCORES_NOTE = "A blank cell means the score could not be worked out from that assessment's answers."
CHART_IQR = (
    "The two thin lines mark the middle half of {group} (from the lower to the upper "
    "quartile) at each assessment."
)
MEDIAN = "{short} median"
QUARTILES = ("{short} upper quartile", "{short} lower quartile")
CHARTS_INTRO = (
    "Each small chart shows your practice's scores beside {group}: the dashed line is their "
    "median and the shaded band their middle half (from the lower to the upper quartile) at "
    "each assessment."
)
PANELS_TITLE = "Your scores at each assessment, beside {group}"
MIDDLE_HALF = "{short} middle half"
CHART_BANDS = "The shaded bands are the {label} bands."
CHART_NO_COHORT = (
    "The median is shown only at assessments with at least {minimum} practices scored."
)

WOBBLE = (
    "Scores move a little between assessments even when nothing in the practice has changed, "
    "because people answer a little differently from one day to the next. A change is marked "
    "when it is larger than the measurement's usual wobble: bigger than the threshold shown, "
    "in score points. The threshold is the Jacobson-Truax reliable-change threshold (95% "
    "level), worked out from how spread out the practices' first scores were and how "
    "consistently the questions of each element hang together (Cronbach's alpha at the first "
    "assessment). A smaller change may still be real; it just cannot yet be told apart from "
    "the wobble."
)
NO_BASELINE = "Your practice has no first (baseline) assessment, so change since then is not shown."
STATUS: Mapping[str, str] = MappingProxyType(
    {
        "improved": "Yes: a rise larger than the measurement's usual wobble",
        "declined": (
            "Yes: a fall larger than the measurement's usual wobble, worth talking over with "
            "your facilitator"
        ),
        "unchanged": "No: within the usual wobble",
        "not assessed": "No threshold for this score",
    }
)
THRESHOLD_MISSING = "No threshold for {names}: {why}."
NO_THRESHOLD_WHY: Mapping[str, str] = MappingProxyType(
    {
        "composite": "a score that combines other scores has no consistency measure of its own",
        "alpha": "the first assessments did not vary enough to work out how consistent its "
        "questions are",
    }
)

FEEDBACK_INTRO = (
    "Strengths: scores that rose by more than the usual wobble since your first assessment, or "
    "sit above the median of {group} at {wave}. Areas to build on: scores that fell by more "
    "than the usual wobble, or sit under that median; starting with one that can show results "
    "quickly often helps. Each element is listed once."
)
FINDING: Mapping[str, str] = MappingProxyType(
    {
        "rose": "Your practice's {label} score has risen since your first assessment "
        "({baseline} to {value}), more than the measurement's usual wobble.",
        "above_median": "Your practice's {label} score ({value}) is above the median of "
        "{group} ({median}).",
        "fell": "{label} has moved down since your first assessment ({baseline} to {value}), "
        "more than the measurement's usual wobble: worth talking over with your facilitator.",
        "below_median": "An area to build on: {label} ({value}; median of {group} {median}).",
    }
)
DRIVERS_TITLE = "{label}: the answers that held the score down most at {wave}"
DRIVER = '"{question}" Your answer: {answer}.'
DRIVER_REVERSED = (
    '"{question}" Your answer: {answer}. (This statement counts the other way round: agreeing '
    "with it lowers the score.)"
)
DRIVERS_NOTE = (
    "These are the answers in this element that scored under its average, lowest first (at "
    "most three): a place to start the conversation, not a verdict on any one answer."
)
NO_STRENGTHS = (
    "This time no score sits above the median of {group} or has risen by more than the usual "
    "wobble since your first assessment. Your facilitator can help you choose a first step "
    "that shows results quickly."
)
NO_OPPORTUNITIES = (
    "No score sits under the median of {group} or has moved down by more than the usual wobble "
    "at this assessment."
)
FEEDBACK_SMALL_COHORT = (
    "Fewer than {minimum} practices were scored at {wave}, so these lists leave out comparisons "
    "with other practices and show only change since your first assessment."
)

PEER_INTRO = (
    "This sets your practice's scores at {wave} beside {group} assessed then: their median "
    "(half scored higher, half lower) and their middle half (from the lower to the upper "
    "quartile). It shows the range practices are in; it does not rank them."
)
PEER_COLUMNS = (
    "Yours: your practice's score. Median: the median of {group}. From, To: their middle "
    "half. Practices: how many had the score."
)
PEER_SUPPRESSED = (
    "Only {count} had this score at {wave}. With fewer than {minimum}, a comparison would "
    "mostly show chance, so it is not shown."
)
PEER_SUPPRESSED_NOTE = (
    "The comparison is not shown for {names}: only {count} had a score at {wave}, and with "
    "fewer than {minimum} a comparison would mostly show chance."
)
POSITION: Mapping[str, str] = MappingProxyType(
    {
        "above": "above the middle half of practices",
        "within": "within the middle half of practices",
        "under": "under the middle half of practices",
    }
)


def shown(value: float, decimals: int = 0) -> str:
    """A score as the sentences show it (the precision scoring.benchmark compares at)."""
    return f"{value:.{decimals}f}"


def practices(count: int) -> str:
    """A count of practices in words: "1 practice", "3 practices"."""
    return f"{count} practice" if count == 1 else f"{count} practices"


def listing(names: list[str]) -> str:
    """Names joined for a sentence: "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


IN_THE_WORKBOOK = (
    "The XLSX version of this report also has every score at every assessment, the change "
    "since your first assessment with how large a change is before it counts as more than the "
    "usual wobble, and the comparison group's quartiles."
)
