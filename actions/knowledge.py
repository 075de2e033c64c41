"""Answers awareness, law, rights and scheme questions from content/answers.yml."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_book import answer_book


class ActionAnswer(Action):
    """Replies to the latest knowledge intent in the reply language."""

    def name(self) -> Text:
        return "action_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reply = answer_book().reply(intent, tracker.get_slot("language"))
        if reply is None:  # an intent with no answer yet: never guess, fall back (with the emergency numbers)
            dispatcher.utter_message(response="utter_default")
        else:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return []
