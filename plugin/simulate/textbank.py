"""Short, plausible free text for simulated answers, drawn from small fixed banks.

Everything here is fictional: names are common given names and surnames put together at random,
e-mail addresses use the reserved ``example.org`` domain, telephone numbers use the ranges set
aside for fiction (555-01xx in North America, Ofcom's drama ranges in the UK), and identifiers
follow no real scheme.
"""

from __future__ import annotations

import numpy as np

GIVEN_NAMES = (
    "Alex Amira Ben Carmen Dana Elena Farah Grace Hiro Imani Jonah Kara Leah Malik Nadia Omar "
    "Priya Quinn Rosa Sam Tariq Uma Vera Wen Yusuf Zoe"
).split()
SURNAMES = (
    "Abbott Banerjee Castillo Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lindqvist "
    "Mensah Novak Okafor Patel Quintero Rossi Schmidt Tanaka Ueda Varga Walsh Xu Yilmaz Zhang"
).split()

OTHER_PHRASES = (
    "Regional collaborative",
    "Nursing association",
    "Community health partner",
    "Independent consultant",
    "Patient advocacy group",
    "State quality network",
    "Pharmacy school",
    "Academic health centre",
    "Not listed above",
    "Several of these",
)
SHORT_PHRASES = (
    "As planned",
    "Varies by team",
    "Under review",
    "Mostly in person",
    "Started this year",
    "Depends on funding",
    "Shared with partners",
    "Not yet decided",
)
COMMENT_SENTENCES = (
    "Staff time is the main constraint this quarter.",
    "Leadership is supportive but stretched.",
    "We would value more examples from similar organisations.",
    "Access to data remains slow.",
    "The team responded well to the last feedback session.",
    "Funding cycles are shorter than the work needs.",
    "Our partners bring the data skills we lack.",
    "Turnover has slowed progress.",
    "Early wins helped keep people engaged.",
    "We plan to revisit this at the next meeting.",
    "Physician engagement improved once results were shared.",
    "Nothing further to add at this time.",
)


def pick(rng: np.random.Generator, bank: tuple[str, ...] | list[str], size: int) -> np.ndarray:
    """``size`` entries of ``bank`` chosen uniformly, as an object array."""
    return np.asarray(bank, dtype=object)[rng.integers(0, len(bank), size)]


def person_names(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` fictional full names, given name and surname drawn apart."""
    given, family = pick(rng, GIVEN_NAMES, size), pick(rng, SURNAMES, size)
    return np.asarray([f"{g} {f}" for g, f in zip(given, family, strict=True)], dtype=object)


def sentences(rng: np.random.Generator, bank: tuple[str, ...], size: int) -> np.ndarray:
    """One or two sentences from ``bank`` per row (never the same sentence twice)."""
    first = rng.integers(0, len(bank), size)
    second = (first + rng.integers(1, max(len(bank), 2), size)) % len(bank)
    two = rng.random(size) < 0.4
    return np.asarray(
        [
            bank[a] + (" " + bank[b] if both else "")
            for a, b, both in zip(first, second, two, strict=False)
        ],
        dtype=object,
    )


def emails(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` fictional e-mail addresses at ``example.org``."""
    given, family = pick(rng, GIVEN_NAMES, size), pick(rng, SURNAMES, size)
    number = rng.integers(1, 100, size)
    return np.asarray(
        [
            f"{g.lower()}.{f.lower()}{k}@example.org"
            for g, f, k in zip(given, family, number, strict=False)
        ],
        dtype=object,
    )


def unit_ids(prefix: str, count: int) -> np.ndarray:
    """``PREFIX-001``, ``PREFIX-002``, ...: stable identifiers for the simulated units."""
    width = max(3, len(str(count)))
    return np.asarray([f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)], dtype=object)


def id_prefix(label: str) -> str:
    """The start of unit ids: the first three letters of ``label`` in capitals, else ``ID``."""
    letters = "".join(ch for ch in label.upper() if ch.isalpha())
    return letters[:3] or "ID"


def _digits(rng: np.random.Generator, size: int, count: int) -> list[str]:
    return ["".join(map(str, row)) for row in rng.integers(0, 10, (size, count))]


def formatted(rng: np.random.Generator, validation: str, size: int) -> np.ndarray | None:
    """Values of a text validation type that is neither a number nor a date, or None."""
    d4 = _digits(rng, size, 4)
    d2 = [d[:2] for d in d4]
    area = pick(rng, ("212", "303", "312", "415", "617", "713", "919"), size)
    makers = {
        "email": lambda: emails(rng, size),
        # 555-0100 to 555-0199 are reserved for fictional use.
        "phone": lambda: [f"({a}) 555-01{d}" for a, d in zip(area, d2, strict=False)],
        "zipcode": lambda: pick(rng, ("02115", "10027", "30303", "60612", "94110"), size),
        "alpha_only": lambda: pick(rng, SURNAMES, size),
        "mrn_10d": lambda: [a + b for a, b in zip(_digits(rng, size, 6), d4, strict=False)],
        "mrn_generic": lambda: [f"MR{d}" for d in _digits(rng, size, 7)],
        "vmrn": lambda: _digits(rng, size, 8),
        # 9xx area numbers are never issued as social security numbers.
        "ssn": lambda: [
            f"9{d[:2]}-{d[2:]}-{e}" for d, e in zip(d4, _digits(rng, size, 4), strict=False)
        ],
        "phone_australia": lambda: [f"(02) 5550 {d}" for d in d4],
        "phone_uk": lambda: [f"020 7946 0{d[:3]}" for d in d4],
        "phone_france": lambda: [f"01 99 00 {d[:2]} {d[2:]}" for d in d4],
        "postalcode_australia": lambda: pick(rng, ("2000", "3000", "4000", "6000"), size),
        "postalcode_canada": lambda: pick(rng, ("K1A 0B1", "M5V 2T6", "H2X 1Y4"), size),
        "postalcode_germany": lambda: pick(rng, ("10115", "20095", "80331"), size),
        "postalcode_uk": lambda: pick(rng, ("SW1A 1AA", "M1 1AE", "EH1 1YZ"), size),
        "postalcode_french": lambda: pick(rng, ("75001", "69002", "13001"), size),
    }
    maker = makers.get(validation)
    return None if maker is None else np.asarray(maker(), dtype=object)
