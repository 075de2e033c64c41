"""The deterministic crisis layer and text normalisation (no model needed)."""
from __future__ import annotations

import unicodedata

import pytest
import yaml

from safety.crisis import CrisisDetector, default_detector
from safety.text import has_words, match_key, normalize_text
from tools.model import ROOT

CRISIS_SET = yaml.safe_load((ROOT / "nlu_data" / "test" / "crisis.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("form", ["bn", "en", "banglish"])
def test_every_held_out_crisis_message_is_caught(form: str) -> None:
    missed = [m for m in CRISIS_SET["crisis"][form] if not default_detector().is_crisis(m)]
    assert len(CRISIS_SET["crisis"][form]) >= 20
    assert missed == []


def test_few_false_alarms_on_look_alike_messages() -> None:
    messages = [m for texts in CRISIS_SET["non_crisis"].values() for m in texts]
    alarms = [m for m in messages if default_detector().is_crisis(m)]
    assert len(messages) >= 60
    assert len(alarms) <= 0.05 * len(messages), alarms


@pytest.mark.parametrize("text", [
    "they locked me in a room", "HELPPPP", "🆘", "আমাকে বাঁচাও", "amake atke rekhese",
    "আজ রাতে জোর করে বিয়ে দিচ্ছে", "abba aj rate amar biye dicche jor kore", "help they are coming",
    "আমাকে বাঁচাও" .replace("য়", "য\u09bc"),  # decomposed য় must not matter
])
def test_crisis_phrases_in_all_forms(text: str) -> None:
    assert default_detector().is_crisis(text)


@pytest.mark.parametrize("text", [
    "I'm afraid of exams", "my friend was taken to the cinema", "what is the punishment for forced marriage",
    "বাবা আমাকে স্কুলে নিয়ে যাচ্ছে", "the movie was about a kidnapping", "I locked my phone", "ki chan apni",
    "jor kore biye dewa ki oporadh", "help me find the stipend rules please", "",
])
def test_ordinary_messages_are_not_crises(text: str) -> None:
    assert not default_detector().is_crisis(text)


def test_film_and_news_context_suppresses_phrases_but_not_symbols() -> None:
    detector = default_detector()
    assert not detector.is_crisis("নাটকে দেখলাম মেয়েটাকে জোর করে বিয়ে দিচ্ছে")
    assert detector.is_crisis("movie 🆘")


def test_macros_and_whole_messages() -> None:
    detector = CrisisDetector({"macros": {"who": "me|us"}, "whole_message": ["sos"],
                               "phrases": {"en": ["hurt(?:ing)? (?:{who}) "]}})
    assert detector.detect("they are hurting me!").form == "en"
    assert detector.detect("SOS!!!").form == "whole_message"
    assert not detector.is_crisis("hurting others")


def test_normalisation() -> None:
    decomposed = "বিয" + "\u09bc" + "ে"
    assert normalize_text(decomposed) == unicodedata.normalize("NFC", decomposed)
    assert match_key("Helppppp!!! ১৫ বছর") == " help 15 বছর "
    assert match_key("zero\u200bwidth") == " zerowidth "
    assert has_words("ঢাকা") and has_words("a1") and not has_words("🙂🙂 !!") and not has_words("")
