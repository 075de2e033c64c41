"""Everything a user can read must be true to the reference data: no unverified or invented phone
number, both languages present, answers short, and the training data shaped as the contract says."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.answer_book import AnswerBook, answer_book
from safety.text import BANGLA_DIGITS
from tools.model import ROOT

HOTLINES = list(csv.DictReader(open(ROOT / "referral_directory" / "data" / "hotlines.csv", encoding="utf-8")))
SHOWABLE = {r["number"] for r in HOTLINES if r["verified"] == "yes" and r["current"] == "yes" and r["number"]}
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORMS = ("bn", "en", "banglish")
BUTTON_ONLY_INTENTS = {"social_screener"}  # reached by buttons only, never typed
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+")  # Tk 50,000
_NUMBER = re.compile(r"\+?\d[\d\- ]*\d|\d")


def phone_like_numbers(text: str) -> set[str]:
    """Digit runs that could be dialled: 3+ digits, except years (1900-2099) and grouped amounts."""
    text = _AMOUNT.sub(" ", unicodedata.normalize("NFC", text).translate(BANGLA_DIGITS))
    found = set()
    for match in _NUMBER.finditer(text):
        for token in match.group().split(" "):
            parts = token.split("-")  # "01711-123456" is one number; "15-18" and "2025-2026" are two
            joined = min(map(len, parts)) > 2 and not all(len(p) == 4 and p[:2] in ("19", "20") for p in parts)
            for digits in (["".join(parts)] if joined else parts):
                if len(digits.lstrip("+")) >= 3 and not (len(digits) == 4 and 1900 <= int(digits) <= 2099):
                    found.add(digits)
    return found


def user_facing_texts() -> list[tuple[str, str]]:
    texts = []
    for name, variants in DOMAIN["responses"].items():
        for v in variants:
            texts.append((f"domain:{name}", v.get("text", "")))
            texts += [(f"domain:{name}:button", b["title"]) for b in v.get("buttons", [])]
    for intent, entry in yaml.safe_load((ROOT / "content" / "answers.yml").read_text(encoding="utf-8"))["answers"].items():
        texts += [(f"answers:{intent}:{lang}", entry[lang]) for lang in ("bn", "en")]
    for key, text in yaml.safe_load((ROOT / "bot" / "messages.yml").read_text(encoding="utf-8")).items():
        texts.append((f"bot:{key}", text))
    for name in ("referrals.yml", "schemes.yml", "helplines.yml", "handoff.yml", "trends.yml"):
        texts += strings(yaml.safe_load((ROOT / "content" / name).read_text(encoding="utf-8")), name)
    return texts


def strings(node: object, where: str) -> list[tuple[str, str]]:
    """Every user-facing string in a content file (sources are citations, not shown)."""
    if isinstance(node, str):
        return [(where, node)]
    if isinstance(node, dict):
        return [x for k, v in node.items() if k != "sources" for x in strings(v, f"{where}:{k}")]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in strings(v, f"{where}:{i}")]
    return []


def test_the_number_check_itself_catches_numbers() -> None:
    assert phone_like_numbers("call ১০৯৮ or 01711-123456, since 2017, Tk 50,000") == {"1098", "01711123456"}
    assert phone_like_numbers("ages 15-18, cycle 2025-2026, dial 0421-66000") == {"042166000"}


@pytest.mark.parametrize("where,text", user_facing_texts(), ids=[w for w, _ in user_facing_texts()])
def test_only_verified_current_numbers_reach_users(where: str, text: str) -> None:
    assert phone_like_numbers(text) <= SHOWABLE, where


def test_helplines_after_answers_are_verified_and_labelled() -> None:
    book = answer_book()
    assert set(book.helplines) <= SHOWABLE
    for intent in book.intents():
        for number in book.answers[intent]["helplines"]:
            assert number in book.helplines, (intent, number)


def test_emergency_reply_names_the_three_numbers_in_both_languages() -> None:
    for variant in DOMAIN["responses"]["utter_emergency"]:
        assert all(n in variant["text"] for n in ("999", "109", "1098"))
    assert len(DOMAIN["responses"]["utter_emergency"]) == 2
    assert {"999", "109", "1098"} <= SHOWABLE


def test_fallback_still_shows_the_emergency_numbers() -> None:
    for variant in DOMAIN["responses"]["utter_default"]:
        assert all(n in variant["text"] for n in ("999", "109", "1098"))


KNOWLEDGE_INTENTS = ["trafficking_info", "trafficking_signs", "job_offer_check", "safe_migration", "online_safety",
                     "trafficking_law", "survivor_rights", "report_trafficking", "missing_child", "child_marriage_law",
                     "child_marriage_harms", "report_child_marriage", "legal_aid_info", "social_protection_info",
                     "stipend_info", "psychosocial_support", "reintegration_support"]


@pytest.mark.parametrize("intent", KNOWLEDGE_INTENTS)
def test_every_knowledge_intent_has_a_short_sourced_answer_in_both_languages(intent: str) -> None:
    book = answer_book()
    entry = book.answers[intent]
    for lang in ("bn", "en"):
        assert 50 < len(entry[lang]) <= 600
        reply = book.reply(intent, lang)
        assert reply.buttons and all(b["payload"].startswith("/") for b in reply.buttons)
    assert entry["sources"] and all(any(f in s for f in (".md", ".csv")) for s in entry["sources"])
    assert intent in DOMAIN["intents"]


def test_answer_language_defaults_to_bangla() -> None:
    book = answer_book()
    assert book.reply("trafficking_info", None).text == book.reply("trafficking_info", "bn").text
    assert book.reply("no_such_intent", "en") is None


def test_answer_rendering_order(tmp_path: Path) -> None:
    book = AnswerBook({"answers": {"x": {"en": "Text.", "bn": "লেখা।", "helplines": ["999"], "next": ["y"]}},
                       "buttons": {"y": {"en": "Y", "bn": "ওয়াই"}}},
                      {"checked": {"en": "Nov 2026", "bn": "নভে ২০২৬"}, "helplines": {"999": {"en": "Emergency", "bn": "জরুরি"}}})
    reply = book.reply("x", "en")
    assert reply.text.splitlines() == ["Text.", "", "📞 999: Emergency", "Numbers last checked: Nov 2026."]
    assert reply.buttons == [{"title": "Y", "payload": "/y"}]


def all_text_files() -> list[Path]:
    return [p for d in ("nlu_data", "content", "safety", "nlu_components", "bot") for p in (ROOT / d).rglob("*.yml")] + \
           [ROOT / "domain.yml"]


@pytest.mark.parametrize("path", all_text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_all_bangla_text_is_nfc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text


def load_nlu(path: Path) -> Counter:
    from rasa.shared.nlu.training_data.loading import load_data

    return Counter(e.get("intent") for e in load_data(str(path)).training_examples)


@pytest.mark.parametrize("form", FORMS)
def test_training_data_covers_every_intent_in_every_form(form: str) -> None:
    counts = load_nlu(ROOT / "nlu_data" / "nlu" / f"{form}.yml")
    assert set(counts) == set(DOMAIN["intents"]) - BUTTON_ONLY_INTENTS
    assert min(counts.values()) >= 25, counts.most_common()[-3:]


@pytest.mark.parametrize("form", FORMS)
def test_held_out_test_set_covers_every_intent(form: str) -> None:
    counts = load_nlu(ROOT / "nlu_data" / "test" / f"{form}.yml")
    assert set(counts) == set(DOMAIN["intents"]) - BUTTON_ONLY_INTENTS
    assert min(counts.values()) >= 8


def test_enough_held_out_messages_are_unseen_in_training() -> None:
    """Short small talk ("hi", "ok") may also be in the training data; `make eval` leaves those out,
    so every intent must keep at least 8 unseen held-out messages per form."""
    from tools.evaluate import load_test_sets, training_texts

    seen = training_texts()
    unseen = Counter((form, intent) for form, text, intent in load_test_sets() if text.strip().lower() not in seen)
    for form in FORMS:
        for intent in set(DOMAIN["intents"]) - BUTTON_ONLY_INTENTS:
            assert unseen[(form, intent)] >= 8, (form, intent)
