"""Unicode normalisation for Bangla, English and romanized Bangla text.

য় ড় ঢ় arrive both precomposed and as base letter + nukta, Bangla digits arrive beside Latin ones, and
teenagers stretch words ("bachaooo", "helppppp"). Everything that compares text goes through here.
"""
from __future__ import annotations

import re

from contract.text import BANGLA_DIGITS, TO_BANGLA_DIGITS, nfc  # noqa: F401  (one home: contract/text.py)

# Three or more of one character, except digits: "helppppp" is "help", but 999 is not 9 and 1000 taka is not 10.
_REPEATS = re.compile(r"(\D)\1{2,}")
_NOT_WORD = re.compile(r"[^\w\u0980-\u09ff]+")  # \w misses Bangla vowel signs; keep the whole block
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, no zero-width characters, single spaces. Keeps the user's wording otherwise."""
    return _SPACES.sub(" ", nfc(text)).strip()


def collapse_repeats(text: str) -> str:
    """'helppppp' -> 'help', 'বাঁচাওওও' -> 'বাঁচাও': three or more of a character become one (not of a digit:
    "999", "1000")."""
    return _REPEATS.sub(r"\1", text)


def canonical(text: str) -> str:
    """Normalised, lower case, Latin digits, stretched letters collapsed: what the classifier and
    the crisis rules both compare."""
    return collapse_repeats(normalize_text(text).lower().translate(BANGLA_DIGITS))


def match_key(text: str) -> str:
    """The canonical form without punctuation, padded with one space each side so that patterns can
    anchor on word starts."""
    text = _NOT_WORD.sub(" ", canonical(text)).replace("_", " ")
    return " " + _SPACES.sub(" ", text).strip() + " "


def has_words(text: str) -> bool:
    """True when the text holds at least one letter or digit (not only emoji or punctuation)."""
    return any(ch.isalnum() or "\u0980" <= ch <= "\u09ff" for ch in text or "")
