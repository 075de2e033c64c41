"""Referral conversations: from "I need a safe place" to the three nearest verified services."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import referrals
from contract.metadata import LAT, LON
from referral_directory import Point


def _gps_point(tracker: Tracker) -> Optional[Point]:
    """A location the user shared: the bot sends it as message metadata {"lat": .., "lon": ..}."""
    metadata = tracker.latest_message.get("metadata") or {}
    try:
        return Point(float(metadata[LAT]), float(metadata[LON]))
    except (KeyError, TypeError, ValueError):
        return None


def _send(dispatcher: CollectingDispatcher, reply: referrals.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
    if reply.custom:
        dispatcher.utter_message(json_message=reply.custom)


class ActionFindServices(Action):
    """Finds the nearest services for a find_* request or a place the user gave, asking for what is missing."""

    def name(self) -> Text:
        return "action_find_services"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        lang = tracker.get_slot("language") or "bn"
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: List[Dict[Text, Any]] = []
        if intent in referrals.CATEGORY_INTENTS:
            events.append(SlotSet("service_intent", intent))
        service_intent = intent if intent in referrals.CATEGORY_INTENTS else tracker.get_slot("service_intent")
        if intent in referrals.CATEGORY_INTENTS:
            about = referrals.about_service(intent, tracker.latest_message.get("text") or "", lang)
            if about:  # e.g. what a One-Stop Crisis Centre does, before asking where the user is
                dispatcher.utter_message(text=about)

        level = next(tracker.get_latest_entity_values("place_level"), None)
        typed = next(tracker.get_latest_entity_values("location"), None)
        origin = _gps_point(tracker)
        text = tracker.latest_message.get("text") or ""
        if origin is None and not text.startswith("/"):
            named = referrals.directory().resolve(text)
            if named.status == "abroad":  # "legal aid in Kolkata": never answer with a Bangladeshi place
                _send(dispatcher, referrals.abroad(named.abroad, lang))
                return events + [SlotSet("location", None)]
        if origin is None:
            if level == "ask":
                _send(dispatcher, referrals.ask_for_place(lang))
                return events + [SlotSet("location", None)]
            if level == "division" and typed:
                _send(dispatcher, referrals.district_picker(typed, lang))
                return events
            if level == "district" and typed:
                _send(dispatcher, referrals.upazila_picker(typed, lang))
                return events
            if level in ("district_all", "upazila") and typed:
                origin = referrals.gazetteer_place("district" if level == "district_all" else "upazila", typed)
            elif not typed:
                origin = referrals.origin_from_slot(tracker.get_slot("location"))
                if origin is None:
                    _send(dispatcher, referrals.ask_for_place(lang))
                    return events
            else:
                text = typed
                resolution = referrals.directory().resolve(text)
                if resolution.status == "ambiguous":
                    _send(dispatcher, referrals.did_you_mean(resolution.candidates, text, lang))
                    return events + [SlotSet("location", None)]
                if resolution.status != "found":
                    _send(dispatcher, referrals.not_found(text, lang))
                    return events + [SlotSet("location", None)]
                origin = resolution.place
            if origin is None:  # a stale picker button
                _send(dispatcher, referrals.ask_for_place(lang))
                return events + [SlotSet("location", None)]
        events.append(SlotSet("location", referrals.slot_value(origin)))

        if not service_intent:
            _send(dispatcher, referrals.which_service(origin, lang))
            return events
        _send(dispatcher, referrals.nearest_services(service_intent, origin, lang))
        return events
