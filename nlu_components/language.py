"""Which language to answer in: Bangla for Bangla script and romanized Bangla, English otherwise.

Plain Python (no Rasa), so it can be tested and reused on its own. The word lists are data in
``language_words.yml``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional


from contract.text import read_yaml
from safety.text import collapse_repeats, normalize_text

WORDS_FILE = Path(__file__).with_name("language_words.yml")
_WORD = re.compile(r"[a-z]+|[\u0980-\u09ff\u200c\u200d]+")


@lru_cache(maxsize=1)
def _words() -> dict:
    data = read_yaml(WORDS_FILE)
    return {
        "banglish": frozenset(data["banglish"]) - frozenset(data["english"]),
        "english": frozenset(data["english"]),
        "request": {lang: tuple(normalize_text(w) for w in words) for lang, words in data["request"].items()},
    }


def _tokens(text: str) -> list[str]:
    return _WORD.findall(collapse_repeats(normalize_text(text).lower()))


def detect_language(text: Optional[str]) -> Optional[str]:
    """'bn', 'en', or None when the text gives no sign (emoji, digits, a lone ambiguous word)."""
    text = text or ""
    bangla = sum(1 for ch in text if "\u0980" <= ch <= "\u09ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if bangla == 0 and latin == 0:
        return None
    if bangla >= latin:
        return "bn"
    words = _words()
    tokens = [t for t in _tokens(text) if t.isascii()]
    banglish = sum(t in words["banglish"] for t in tokens)
    english = sum(t in words["english"] for t in tokens)
    # Banglish writers mix in English nouns ("job offer ta ki safe?"); English writers rarely mix in
    # Banglish words, so a few Banglish words outweigh more English ones.
    if banglish and 2 * banglish >= english:
        return "bn"
    if english or len(tokens) > 2:
        return "en"
    return None


def requested_language(text: Optional[str]) -> Optional[str]:
    """The language a set_language message asks for ("reply in English", "বাংলায় বলো"), if named."""
    found = set()
    for token in _tokens(text or ""):
        for lang, stems in _words()["request"].items():
            if any(token.startswith(stem) and not token.startswith("bangladesh") for stem in stems):
                found.add(lang)
    return found.pop() if len(found) == 1 else None
