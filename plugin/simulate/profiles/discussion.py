"""What focus-group participants said, in qiscan's own paraphrase of seed document 000's
findings, grouped by the discussion guide's four areas. Used for the moderator's summaries and
for the transcript excerpts the coders code."""

from __future__ import annotations

DEFINING = (
    "Sees QIE as education that supports wider efforts to improve care processes and outcomes.",
    "Distinguishes QIE from CME: the focus is the system's performance, not one learner's "
    "knowledge.",
    "Hoped for measurable improvement in how physicians deliver care.",
    "Wanted the education to be sustained after the grant ended.",
    "Educational outcomes were reached; the improvement outcomes were mixed.",
)
DESIGNING = (
    "The health system's own culture and senior leadership prompted the programme.",
    "Funding availability and funders' goals drove the decision to start.",
    "Planned for data access, analysts, project management and faculty time.",
    "Looked for partners with data collection and analysis skills.",
    "Partners were found through specialty societies and contacts made at Alliance meetings.",
)
BARRIERS = (
    "Staff turnover at the sites meant training new people in data collection mid-project.",
    "Extracting baseline data from the electronic record was slow and rarely seamless.",
    "Timelines were too short: a real QI project needs about 18 months.",
    "A change in leadership stalled the project for months.",
    "Partners worried about showing negative data, which hurt transparency.",
    "QI and CME teams used the same words for different things.",
)
FACILITATORS = (
    "A local champion kept faculty and staff engaged.",
    "Used surrogate measures when the exact quality measure could not be extracted.",
    "Moved budget to hire a data analyst when the record could not be queried.",
    "A team charter with clear roles, goals and metrics helped most.",
    "Kept the education simple and focused so learners could apply it quickly.",
    "Stayed flexible and redefined the scope when needed.",
)
AREAS = {
    "defining": DEFINING,
    "designing": DESIGNING,
    "barriers": BARRIERS,
    "facilitators": FACILITATORS,
}
# The discussion guide's 13 questions, by area (Figure 2 of the source).
QUESTION_AREA = {
    1: "defining",
    2: "defining",
    3: "defining",
    4: "designing",
    5: "designing",
    6: "designing",
    7: "barriers",
    8: "barriers",
    9: "facilitators",
    10: "barriers",
    11: "facilitators",
    12: "facilitators",
    13: "facilitators",
}
