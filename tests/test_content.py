"""Everything a user can read must be true to the reference data: no unverified or invented phone
number, both languages present, answers short, and the training data shaped as the contract says."""
from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.answer_book import AnswerBook, answer_book
from knowledge.check import phone_like_numbers
from knowledge.kb import KNOWLEDGE_INTENTS, KnowledgeBase, knowledge_base
from tools.model import ROOT

HOTLINES = list(csv.DictReader(open(ROOT / "referral_directory" / "data" / "hotlines.csv", encoding="utf-8")))
SHOWABLE = {r["number"] for r in HOTLINES if r["verified"] == "yes" and r["current"] == "yes" and r["number"]}
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORMS = ("bn", "en", "banglish")
BUTTON_ONLY_INTENTS = {"social_screener"}  # reached by buttons only, never typed
def user_facing_texts() -> list[tuple[str, str]]:
    texts = []
    for name, variants in DOMAIN["responses"].items():
        for v in variants:
            texts.append((f"domain:{name}", v.get("text", "")))
            texts += [(f"domain:{name}:button", b["title"]) for b in v.get("buttons", [])]
    for item in knowledge_base().items.values():
        texts += [(f"kb:{item.id}:{lang}", part) for lang in ("bn", "en")
                  for part in (item.question[lang], item.short[lang], item.detail[lang])]
    for key, text in yaml.safe_load((ROOT / "bot" / "messages.yml").read_text(encoding="utf-8")).items():
        texts.append((f"bot:{key}", text))
    for name in ("referrals.yml", "schemes.yml", "helplines.yml", "handoff.yml", "trends.yml", "knowledge.yml", "buttons.yml"):
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
    # a law's section is cited, not dialled; a number right after one still counts
    assert phone_like_numbers("Penal Code s.366, ss.84-85, section 154, ধারা ৩৬৬ ও ৩৬৭") == set()
    assert phone_like_numbers("s.6 and 16430, ধারা ৯০-৯১, ফোন ১০৯৮, s.2(viii) then 109") == {"16430", "1098", "109"}
    assert phone_like_numbers("within 180 working days, ১৮০ কার্যদিবস, 120 days; call 1098") == {"1098"}
    assert phone_like_numbers("১০৯৮ দিনরাত খোলা, 01711-123456 days") == {"1098", "01711123456"}
    assert phone_like_numbers("Tk 800 a month, ৫০০ টাকা, 150 taka") == set()


@pytest.mark.parametrize("where,text", user_facing_texts(), ids=[w for w, _ in user_facing_texts()])
def test_only_verified_current_numbers_reach_users(where: str, text: str) -> None:
    assert phone_like_numbers(text) <= SHOWABLE, where


def test_helplines_after_answers_are_verified_and_labelled() -> None:
    book = answer_book()
    assert set(book.helplines) <= SHOWABLE
    for item in book.kb.items.values():
        assert set(item.helplines) <= set(book.helplines), item.id


def test_emergency_reply_names_the_three_numbers_in_both_languages() -> None:
    for variant in DOMAIN["responses"]["utter_emergency"]:
        assert all(n in variant["text"] for n in ("999", "109", "1098"))
    assert len(DOMAIN["responses"]["utter_emergency"]) == 2
    assert {"999", "109", "1098"} <= SHOWABLE


def test_fallback_still_shows_the_emergency_numbers() -> None:
    for variant in DOMAIN["responses"]["utter_default"]:
        assert all(n in variant["text"] for n in ("999", "109", "1098"))


def test_the_knowledge_base_passes_the_content_check() -> None:
    from knowledge.check import check

    assert check() == []


@pytest.mark.parametrize("intent", KNOWLEDGE_INTENTS)
def test_every_knowledge_intent_has_a_general_answer_with_next_steps(intent: str) -> None:
    book = answer_book()
    for lang in ("bn", "en"):
        reply = book.reply(intent, lang)
        assert reply is not None and len(reply.text) > 50
        assert all(b["payload"].startswith("/") and len(b["payload"].encode()) <= 64 for b in reply.buttons)
    assert intent in DOMAIN["intents"]


def test_answer_language_defaults_to_bangla() -> None:
    book = answer_book()
    assert book.reply("trafficking_info", None).text == book.reply("trafficking_info", "bn").text
    assert book.reply("no_such_item", "en") is None


def test_every_item_button_payload_fits_telegram_callback_data() -> None:
    from actions.answer_book import item_payload

    for item in knowledge_base().items.values():
        assert len(item_payload(item).encode()) <= 64, item.id


KB_ITEM = """
topic: t
items:
  - id: x_item
    intent: trafficking_info
    question: {en: "X?", bn: "এক্স?"}
    answer:
      en: {short: "Short.", detail: "Detail."}
      bn: {short: "ছোট।"}
    helplines: ["999"]
    related: [y_item]
    sources: [{title: "Act 2017, s.2", url: "http://example.gov.bd", checked: 2026-12-01}]
  - id: y_item
    intent: trafficking_info
    question: {en: "Y?", bn: "ওয়াই?"}
    answer: {en: {short: "Y."}, bn: {short: "ওয়াই।"}}
    sources: [{title: "S", url: "u", checked: 2026-12-01}]
"""


def content_check_problems(tmp_path: Path, kb_yaml: str) -> str:
    """Every problem `make content-check` reports for a one-file knowledge base, as one text."""
    from knowledge.check import check

    (tmp_path / "t.yml").write_text(kb_yaml, encoding="utf-8")
    return "\n".join(check(KnowledgeBase.load(tmp_path), question_dirs=[]))


def with_source(title: str, url: str) -> str:
    """KB_ITEM with y_item's one source replaced."""
    source = f'sources: [{{title: "{title}", url: "{url}", checked: 2026-12-01}}]'
    return KB_ITEM.replace('sources: [{title: "S", url: "u", checked: 2026-12-01}]', source, 1)


def test_answer_rendering_order(tmp_path: Path) -> None:
    (tmp_path / "t.yml").write_text(KB_ITEM, encoding="utf-8")
    texts = yaml.safe_load((ROOT / "content" / "knowledge.yml").read_text(encoding="utf-8"))
    book = AnswerBook(KnowledgeBase.load(tmp_path),
                      {"checked": {"en": "Nov 2026", "bn": "নভে ২০২৬"}, "helplines": {"999": {"en": "Emergency", "bn": "জরুরি"}}},
                      {"buttons": {}}, texts)
    reply = book.reply("x_item", "en")
    assert reply.text.splitlines() == ["Short.", "Detail.", "Source: Act 2017, s.2", "📞 999: Emergency",
                                       "Numbers as published by the services themselves (our list of Nov 2026)."]
    assert reply.buttons == [{"title": "Y?", "payload": '/trafficking_info{"item":"y_item"}'}]
    assert "\n\n" not in reply.text  # one message: Rasa splits a reply at blank lines
    assert book.reply("x_item", "bn").text.startswith("ছোট।\nসূত্র:")  # no English detail in a Bangla reply


def test_the_content_check_catches_each_kind_of_problem(tmp_path: Path) -> None:
    broken = (KB_ITEM.replace('bn: {short: "ছোট।"}', 'bn: {short: ""}')            # a language missing
              .replace('helplines: ["999"]', 'helplines: ["16699"]')            # an unverified number
              .replace("related: [y_item]", "related: [no_such_item]")          # a broken link
              .replace('sources: [{title: "S", url: "u", checked: 2026-12-01}]', "sources: []")  # no source
              .replace('short: "Short."', 'short: "Call 01711-123456."')        # a number in the text
              .replace("    related: [no_such_item]", '    related: [no_such_item]\n    examples: {en: ["what is x"]}'))
    (tmp_path / "not_answered.yml").write_text('en: ["What is X", "passport fee"]\n', encoding="utf-8")
    problems = content_check_problems(tmp_path, broken)
    for expected in ("answer.bn.short is missing", "helpline 16699 is not verified", "related item 'no_such_item'",
                     "y_item: no source", "number(s) ['01711123456'] not verified", "examples.en: 0",
                     "not_answered.yml en: 'What is X' is an example of x_item"):
        assert expected in problems, expected


@pytest.mark.parametrize("bn_short, flagged", [
    ("১০৯৮-এ ফোন করো।", True),                                    # a helpline in Bangla digits cannot be tapped
    ("999-এ ফোন করো। ২০২৩ সালে ৩ মাসে ২ থেকে ৭ বছর।", False),     # Bangla digits elsewhere in the text are fine
    ("999 বা ৯৯৯-এ ফোন করো।", True),
])
def test_the_content_check_wants_phone_numbers_in_digits_that_can_be_tapped(tmp_path: Path, bn_short: str,
                                                                             flagged: bool) -> None:
    problems = content_check_problems(tmp_path, KB_ITEM.replace('bn: {short: "ছোট।"}', f'bn: {{short: "{bn_short}"}}'))
    assert ("Bangla digits cannot be tapped" in problems) is flagged, problems


@pytest.mark.parametrize("title, flagged", [
    ("Transplantation of Human Organs Act 1999, s.10", True),                 # the repealed law cited as current
    ("Transplantation of Human Organs Act 1999 (repealed in 2025), s.10", False),  # cited for its history
    ("মানব পাচার প্রতিরোধ ও দমন আইন ২০১২ (রহিত)", False),
])
def test_the_content_check_refuses_a_repealed_law_cited_as_current(tmp_path: Path, title: str, flagged: bool) -> None:
    act = "828" if "Organs" in title else "1086"
    url = f"http://bdlaws.minlaw.gov.bd/act-{act}/section-1.html"
    problems = content_check_problems(tmp_path, with_source(title, url))
    assert ("repealed by the" in problems) is flagged, problems


@pytest.mark.parametrize("url, flagged", [
    ("http://103.16.74.116/node/14903", True),                         # a mirror's server address, no publisher
    ("https://203.0.113.9:8080/page", True),
    ("https://www.tbsnews.net/bangladesh/some-report-1153351", False),
    ("reference-data/hotlines.csv", False),
])
def test_the_content_check_wants_the_publishers_address_not_a_bare_ip(tmp_path: Path, url: str, flagged: bool) -> None:
    problems = content_check_problems(tmp_path, with_source("A report", url))
    assert ("bare IP address" in problems) is flagged, problems


def test_every_repealed_law_names_what_replaced_it() -> None:
    from knowledge.check import repealed_laws

    laws = repealed_laws()
    assert {"1086", "828"} <= set(laws)
    for act, law in laws.items():
        assert law["replaced_by"] != act and law["name"] and law["by"] and law["checked"], act


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
