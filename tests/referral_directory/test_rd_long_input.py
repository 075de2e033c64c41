"""Issue 15, finding 9: fuzzy place matching was quadratic in a word's length (16,000 characters took
0.7 s and 230 MB). A word longer than any place name plus the edit budget cannot match, so it is not
fuzzy-matched at all; places in long messages are still found."""
from __future__ import annotations

import tracemalloc

from referral_directory.resolve import FUZZY_MAX_LEN, index, resolve_text


def peak_mb(text: str) -> float:
    tracemalloc.start()
    try:
        resolve_text(text)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_very_long_words_are_not_fuzzy_matched() -> None:
    assert FUZZY_MAX_LEN >= max(len(k) for k in index().compact) + 2  # no real place name is cut off
    for word in ("jashorex" * 2000, "যশোর" * 4000, "ab" * 8000):
        assert peak_mb(word) < 20, word[:10]  # it was about 230 MB
        assert peak_mb(f"I need a shelter in Jashore {word} please") < 20


def test_places_are_still_found_next_to_long_words() -> None:
    junk = "x" * 5000
    assert resolve_text(f"shelter in jessor {junk}").place.district == "Jashore"  # a typo: fuzzy still works
    assert resolve_text(f"{junk} কুমিল্লায় থাকি").place.district == "Cumilla"
