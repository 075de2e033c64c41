"""Social protection screener: four quick button questions, then the schemes that *may* fit.

Plain logic lives in ``Screener`` (testable without Rasa); ``ActionSocialScreener`` carries the
answers in the `screener` slot ("child=under_5;pregnant=no") and asks the next question. Schemes,
questions and wording: content/schemes.yml (sourced from the reference data). Nothing is promised:
the office decides, and rules and amounts change every year.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import referrals
from actions.answer_book import CONTENT_DIR
from contract.text import read_yaml

QUESTIONS = ("child", "pregnant", "mother", "disability")
INTENT = "social_screener"


@lru_cache(maxsize=1)
def schemes_content() -> dict:
    return read_yaml(CONTENT_DIR / "schemes.yml")


def parse_answers(value: Optional[str]) -> dict[str, str]:
    pairs = (item.partition("=") for item in (value or "").split(";") if "=" in item)
    return {k: v for k, _, v in pairs if k in QUESTIONS}


def format_answers(answers: dict[str, str]) -> str:
    return ";".join(f"{k}={answers[k]}" for k in QUESTIONS if k in answers)


def matching_schemes(answers: dict[str, str]) -> list[dict]:
    """Schemes whose `when` lists any of the given answers."""
    return [s for s in schemes_content()["schemes"]
            if any(answers.get(key) in [str(v) for v in values] for key, values in (s.get("when") or {}).items())]


def question(key: str, lang: str) -> referrals.Reply:
    content = schemes_content()
    buttons = [{"title": label[lang], "payload": referrals.payload(INTENT, screener_answer=f"{key}={value}")}
               for value, label in content["options"][key].items()]
    return referrals.Reply(content["texts"][f"q_{key}"][lang], buttons)


def results(answers: dict[str, str], lang: str, location_slot: Optional[str] = None) -> referrals.Reply:
    """The schemes that may fit, where to apply (the user's own upazila offices when the upazila is known)."""
    content = schemes_content()
    texts = content["texts"]
    found = matching_schemes(answers)
    lines = [texts["result_header"][lang] if found else texts["none_found"][lang]]
    for scheme in found:
        lines += ["", f"• {scheme['name_' + lang]}", f"  {scheme['who_' + lang]}", f"  📝 {scheme['apply_' + lang]}"]
    local = referrals.local_action("social_protection", location_slot, lang)
    if local:
        lines += ["", f"📍 {local}"]
    lines += ["", texts["disclaimer"][lang]]
    buttons = [{"title": referrals.answer_book().button_labels["find_social_protection"][lang],
                "payload": "/find_social_protection"}]
    return referrals.Reply("\n".join(lines), buttons)


class ActionSocialScreener(Action):
    def name(self) -> Text:
        return "action_social_screener"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        lang = tracker.get_slot("language") or "bn"
        given = next(tracker.get_latest_entity_values("screener_answer"), None)
        if given is None:  # a fresh start
            answers: dict[str, str] = {}
            dispatcher.utter_message(text=schemes_content()["texts"]["intro"][lang])
        else:
            answers = {**parse_answers(tracker.get_slot("screener")), **parse_answers(given)}
        pending = [q for q in QUESTIONS if q not in answers]
        reply = question(pending[0], lang) if pending else results(answers, lang, tracker.get_slot("location"))
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return [SlotSet("screener", format_answers(answers) if pending else None)]
