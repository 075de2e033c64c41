"""Bangladeshi phone numbers: find them in free text, check them, store them in one form.

Stored form ("national"): digits only, with the leading 0 for long numbers - mobile 01711123456,
Dhaka landline 0248118542, district landline 0421xxxxx, IP/non-geographic 09610102030, toll-free
08000102030 - and short codes as dialled (999, 109, 1098, 16430). "+880"/"880"/"00880" prefixes are
folded into the leading 0. ``to_e164`` gives +880... for long numbers (calls from abroad).
Hotline numbers that the source writes with +880 keep that form (they are meant for callers abroad).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from .text import BANGLA_DIGITS

_CANDIDATE = re.compile(r"\+?[0-9][0-9\s\-\.\(\)]*[0-9]")
_PIECES = re.compile(r"[;,/|\n]|\bor\b")
_SEPARATORS = re.compile(r"[\s\-\.\(\)]")
MOBILE = re.compile(r"^01[3-9][0-9]{8}$")
SHORT_CODE = re.compile(r"^[1-9][0-9]{2,4}$")
LANDLINE = re.compile(r"^0[2-9][0-9]{6,9}$")


@dataclass(frozen=True)
class PhoneCheck:
    raw: str
    national: Optional[str]
    kind: Optional[str]  # mobile | landline | short_code
    problem: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def normalise(raw: str) -> PhoneCheck:
    """Check one number (Bangla or Latin digits, spaces/hyphens allowed) and give its national form."""
    digits = _SEPARATORS.sub("", (raw or "").translate(BANGLA_DIGITS)).strip()
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit():
        return PhoneCheck(raw, None, None, f"not a phone number: {raw!r}")
    if digits.startswith("00880"):
        digits = "0" + digits[5:]
    elif digits.startswith("880") and len(digits) >= 11:
        digits = "0" + digits[3:]
    elif plus:
        return PhoneCheck(raw, None, None, f"not a Bangladeshi number: {raw!r}")
    if MOBILE.match(digits):
        return PhoneCheck(raw, digits, "mobile")
    if digits.startswith("01"):
        return PhoneCheck(raw, None, None, f"mobile numbers have 11 digits starting 013-019: {raw!r}")
    if LANDLINE.match(digits):
        return PhoneCheck(raw, digits, "landline")
    if SHORT_CODE.match(digits):
        return PhoneCheck(raw, digits, "short_code")
    return PhoneCheck(raw, None, None, f"not a valid Bangladeshi phone number: {raw!r}")


def extract(text: str) -> List[PhoneCheck]:
    """Every number-like run in a free-text phone field ('Hotline 01320-042085; Duty officer ...'),
    each checked. Separators between numbers: ';', ',', '/', or words."""
    out: List[PhoneCheck] = []
    for piece in _PIECES.split((text or "").translate(BANGLA_DIGITS)):
        for m in _CANDIDATE.finditer(piece):
            check = normalise(m.group(0))
            parts = m.group(0).split()
            if not check.ok and len(parts) > 1:  # "01711123456 01811123456": two numbers, one space
                split = [normalise(p) for p in parts]
                if all(c.ok for c in split):
                    out.extend(split)
                    continue
            out.append(check)
    return out


def parse_field(text: str) -> tuple:
    """(numbers, problems) for a whole phone field; an empty field is fine (no numbers)."""
    if not (text or "").strip():
        return [], []
    checks = extract(text)
    if not checks:
        return [], [f"no phone number found in {text!r}"]
    numbers, problems = [], []
    for c in checks:
        if c.ok:
            if c.national not in numbers:
                numbers.append(c.national)
        else:
            problems.append(c.problem)
    return numbers, problems


def to_e164(national: str) -> str:
    """+880 form of a long national number; short codes are returned unchanged."""
    if national.startswith("+"):
        return national
    if national.startswith("0") and len(national) >= 8:
        return "+880" + national[1:]
    return national
