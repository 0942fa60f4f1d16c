"""How the committee report names a question and says who was shown it.

question_title(instrument, fld)   # a grid row gets its grid's stem in front
shown_when(instrument, fld)       # "Shown only to respondents who answered ... with ..."
"""

from __future__ import annotations

from instruments.labels import plain_text
from instruments.logic import (
    Comparison,
    Logical,
    LogicError,
    Node,
    NumberLit,
    Reference,
    StringLit,
    parse,
)
from instruments.model import Field, Instrument


def question_title(instrument: Instrument, fld: Field) -> str:
    """The question as a reader sees it: a matrix row gets its grid's stem in front."""
    label = plain_text(fld.label)
    if fld.matrix is None:
        return label
    first = next(
        f for f in instrument.fields if f.matrix is not None and f.matrix.group == fld.matrix.group
    )
    stem = " ".join(plain_text(first.section_header).split("\n"))
    if not stem:
        return label
    for ellipsis in ("...", "\u2026"):
        if stem.endswith(ellipsis):
            return f"{stem[: -len(ellipsis)].rstrip()} {label}"
    return f"{stem}: {label}"


def shown_when(instrument: Instrument, fld: Field) -> str:
    """A plain sentence saying which earlier answer shows the question ("" when shown to all)."""
    logic = fld.branching_logic.strip()
    if not logic:
        return ""
    fallback = f"Shown only when {logic} (REDCap branching logic)."
    try:
        terms = _equalities(parse(logic).root)
    except LogicError:
        return fallback
    fields = instrument.field_map()
    if not terms or any(ref.event is not None or ref.field not in fields for ref, _ in terms):
        return fallback
    source = fields[terms[0][0].field]
    question = plain_text(source.label)
    labels = source.choice_labels() if source.categorical else {}
    if len({ref.field for ref, _ in terms}) == 1 and all(ref.code is None for ref, _ in terms):
        answers = " or ".join(f"'{plain_text(labels.get(code, code))}'" for _, code in terms)
        return f"Shown only to respondents who answered '{question}' with {answers}."
    if len(terms) == 1 and terms[0][0].code is not None and terms[0][1] == "1":
        option = plain_text(labels.get(terms[0][0].code, terms[0][0].code))
        return f"Shown only to respondents who ticked '{option}' at '{question}'."
    return fallback


def _equalities(node: Node) -> list[tuple[Reference, str]] | None:
    """``[a] = 'x' or [a] = 'y' ...`` as (reference, value) pairs; None for anything else."""
    if isinstance(node, Logical) and node.op == "or":
        left, right = _equalities(node.left), _equalities(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, Comparison) and node.op == "=" and isinstance(node.left, Reference):
        if isinstance(node.right, StringLit):
            return [(node.left, node.right.value)]
        if isinstance(node.right, NumberLit):
            number = node.right.value
            return [(node.left, str(int(number)) if number.is_integer() else str(number))]
    return None


def percent(value: float) -> str:
    """A percent as the report writes it: one decimal, e.g. "57.7%"."""
    return f"{value:.1f}%"
