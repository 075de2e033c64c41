"""The social protection screener: questions in order, careful wording, and sourced schemes."""
from __future__ import annotations

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.screener import QUESTIONS, ActionSocialScreener, matching_schemes, schemes_content


def run(answer=None, slot=None, lang="en"):
    entities = [{"entity": "screener_answer", "value": answer}] if answer else []
    tracker = Tracker("t", {"language": lang, "screener": slot},
                      {"intent": {"name": "social_screener"}, "entities": entities, "text": ""}, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    events = ActionSocialScreener().run(dispatcher, tracker, {})
    return dispatcher.messages, events[0]["value"]


def test_walks_through_the_four_questions_then_suggests_schemes() -> None:
    messages, slot = run()
    assert len(messages) == 2 and slot == ""
    for answer in ("child=school_secondary", "pregnant=no", "mother=widowed", "disability=no"):
        messages, slot = run(answer, slot)
    body = messages[-1]["text"]
    assert slot is None
    assert body.startswith(schemes_content()["texts"]["result_header"]["en"])
    assert "Secondary" in body or "secondary" in body
    assert schemes_content()["texts"]["disclaimer"]["en"] in body
    assert messages[-1]["buttons"][0]["payload"] == "/find_social_protection"


def test_each_question_offers_its_answers_as_buttons() -> None:
    slot = ""
    for key in QUESTIONS:
        messages, _ = run(None if key == "child" else f"{QUESTIONS[QUESTIONS.index(key) - 1]}=no", slot)
        payloads = [b["payload"] for b in messages[-1]["buttons"]]
        assert all(f'"screener_answer": "{key}=' in p for p in payloads)
        slot = ";".join(f"{k}=no" for k in QUESTIONS[: QUESTIONS.index(key)])


def test_nothing_matching_points_to_where_to_ask() -> None:
    messages, _ = run("disability=no", "child=none;pregnant=no;mother=no", lang="bn")
    assert schemes_content()["texts"]["none_found"]["bn"] in messages[-1]["text"]


@pytest.mark.parametrize("scheme", schemes_content()["schemes"], ids=lambda s: s["id"])
def test_schemes_are_sourced_and_worded_as_possibilities(scheme: dict) -> None:
    # each source is a reference-data file, or a page read later with the date it was read
    assert scheme["sources"] and all(".md" in s or ".csv" in s or ("http" in s and re.search(r"\b20\d\d-\d\d-\d\d\b", s))
                                     for s in scheme["sources"])
    for lang in ("en", "bn"):
        assert scheme[f"who_{lang}"] and scheme[f"apply_{lang}"]
    assert "will get" not in scheme["who_en"].lower()
    assert matching_schemes({k: str(v[0]) for k, v in scheme["when"].items()})
