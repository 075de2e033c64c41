"""Switching the reply language explicitly (the `set_language` intent and the /language command)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionSetLanguage(Action):
    """Confirms the language the user asked for, or offers the choice when none was named."""

    def name(self) -> Text:
        return "action_set_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        requested = next(tracker.get_latest_entity_values("language"), None)
        if requested not in ("bn", "en"):
            dispatcher.utter_message(response="utter_ask_language")
            return []
        dispatcher.utter_message(response="utter_language_set")
        return [SlotSet("language", requested)]
