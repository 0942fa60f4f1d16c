"""The 18 columns of a REDCap data dictionary, in REDCap's order.

REDCap maps an uploaded row's values by position, not by header, so the order here is the
contract. The API uses the raw names; the dictionary downloaded from REDCap's web page uses the
label headers.
"""

from __future__ import annotations

API_COLUMNS: tuple[str, ...] = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
UI_HEADERS: tuple[str, ...] = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
# Field types older dictionaries still carry; REDCap reads them as, and exports them under, these.
LEGACY_FIELD_TYPES: dict[str, str] = {"select": "dropdown", "textarea": "notes"}
