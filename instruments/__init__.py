"""qiscan's instruments layer: the JSON instrument format, its checks, REDCap logic, and the
REDCap data dictionary both ways. Pure: no network, no Flask, no statistics."""

from instruments.loader import load_instrument
from instruments.model import Field, Form, Instrument, Scale
from instruments.problems import ErrorCode, InstrumentError, Problem, ValidationResult
from instruments.shipped import load_shipped, shipped_names

__all__ = [
    "ErrorCode",
    "Field",
    "Form",
    "Instrument",
    "InstrumentError",
    "Problem",
    "Scale",
    "ValidationResult",
    "load_instrument",
    "load_shipped",
    "shipped_names",
]
