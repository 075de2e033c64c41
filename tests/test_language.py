"""Reply-language detection: Bangla for Bangla script and Banglish, English otherwise."""
from __future__ import annotations

import pytest

from nlu_components.language import detect_language, requested_language


@pytest.mark.parametrize("text,expected", [
    ("hello", "en"), ("What is trafficking?", "en"), ("Is this job offer safe for my daughter?", "en"),
    ("আমি কী করব", "bn"), ("ঢাকায় আশ্রয়কেন্দ্র কোথায়", "bn"),
    ("ami ki korbo", "bn"), ("job offer ta ki safe?", "bn"), ("amar biye thik korse abba", "bn"),
    ("legal aid office ta kothay", "bn"),
    ("🙂", None), ("999", None), ("", None),
    ("আমার sister এর biye", "bn"),  # mixed scripts: Bangla wins
])
def test_detect_language(text: str, expected) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Reply in English please", "en"), ("english e bolo", "en"), ("ইংরেজিতে লিখুন", "en"),
    ("banglay bolo", "bn"), ("বাংলায় বলো", "bn"), ("Please answer in Bangla", "bn"),
    ("I am from Bangladesh", None), ("change language", None),
])
def test_requested_language(text: str, expected) -> None:
    assert requested_language(text) == expected
