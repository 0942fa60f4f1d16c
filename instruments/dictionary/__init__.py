"""The REDCap data dictionary, both ways: compile instruments to it, import it into instruments."""

from instruments.dictionary.columns import API_COLUMNS, UI_HEADERS
from instruments.dictionary.compile import compile_dictionary, to_csv, to_json
from instruments.dictionary.importer import ImportResult, import_dictionary, read_dictionary

__all__ = [
    "API_COLUMNS",
    "UI_HEADERS",
    "ImportResult",
    "compile_dictionary",
    "import_dictionary",
    "read_dictionary",
    "to_csv",
    "to_json",
]
