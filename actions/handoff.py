"""Human handoff, the Rasa side: offer a counsellor, and hand off only on an explicit yes.

An offer is made when the user asks for a person (``request_human``) or after the second distress
message of a session (``emergency`` or ``psychosocial_support``; the emergency reply itself always
comes first, unchanged). The offer says exactly what would be shared: topic labels (never the user's
words, see content/handoff.yml), the district if one was given, and the language. Only a yes right
after the offer (the rules route it here) shares anything: the reply then carries
``{"handoff": {"summary": ..., "lang": ...}}`` as a custom payload, which the Telegram front end
(bot/handoff.py) posts to the staff chat. The front end says whether a staff chat exists with the
message metadata ``{HANDOFF_AVAILABLE: true}`` (contract/metadata.py); without it (web chat, console, no STAFF_CHAT_ID)
the user gets the helplines instead of an offer.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_book import CONTENT_DIR
from actions.referrals import origin_from_slot
from contract.metadata import HANDOFF_AVAILABLE
from contract.text import read_yaml
from referral_directory import Place, gazetteer

DISTRESS_INTENTS = ("emergency", "psychosocial_support")
DISTRESS_OFFER_AT = 2  # distress messages in one session before a counsellor is offered
METADATA_KEY = HANDOFF_AVAILABLE  # set by bot/handoff.py


@lru_cache(maxsize=1)
def content() -> dict:
    return read_yaml(CONTENT_DIR / "handoff.yml")


def session_events(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The events of the current conversation session (Rasa starts one after 60 idle minutes)."""
    start = 0
    for i, event in enumerate(events):
        if event.get("event") == "session_started":
            start = i
    return events[start:]


def user_intents(events: List[Dict[Text, Any]]) -> List[str]:
    return [(e.get("parse_data") or {}).get("intent", {}).get("name") or "" for e in events if e.get("event") == "user"]


def distress_count(events: List[Dict[Text, Any]]) -> int:
    return sum(1 for name in user_intents(session_events(events)) if name in DISTRESS_INTENTS)


def offered_this_session(events: List[Dict[Text, Any]]) -> bool:
    """Whether an offer (or the helplines instead) was already given this session. The slot events that
    Rasa replays at a session start, before the first user message, are carried over, not new."""
    current = session_events(events)
    first_user = next((i for i, e in enumerate(current) if e.get("event") == "user"), len(current))
    return any(e.get("event") == "slot" and e.get("name") == "handoff_offered" for e in current[first_user:])


def topics(events: List[Dict[Text, Any]], lang: str) -> List[str]:
    """Labels of what the user asked about in this session, first asked first, each once."""
    labels = content()["topics"]
    out: List[str] = []
    for name in user_intents(session_events(events)):
        label = labels.get(name, {}).get(lang)
        if label and label not in out:
            out.append(label)
    return out


def district_of(location_slot: Optional[str]) -> Optional[str]:
    """The district (English name) from the `location` slot; never a shared GPS point."""
    origin = origin_from_slot(location_slot)
    return origin.district if isinstance(origin, Place) else None


def district_label(district: Optional[str], lang: str) -> str:
    if not district:
        return content()["labels"]["not_given"][lang]
    return gazetteer.load().district_name(district, lang)


def shared_fields(events: List[Dict[Text, Any]], location_slot: Optional[str], user_lang: str,
                  shown_in: str) -> Dict[str, str]:
    """What the offer shows and the summary shares, in ``shown_in`` language (the two must match)."""
    found = [t for t in topics(events, shown_in) if t != content()["labels"]["no_topic"][shown_in]]
    return {"topics": ", ".join(found) or content()["labels"]["no_topic"][shown_in],
            "district": district_label(district_of(location_slot), shown_in),
            "language_name": content()["languages"][user_lang][shown_in]}


def summary(events: List[Dict[Text, Any]], location_slot: Optional[str], user_lang: str) -> str:
    """The consented summary for staff, in English and Bangla: topic labels, district, language."""
    labels = content()["labels"]
    lines = []
    for lang in ("en", "bn"):
        fields = shared_fields(events, location_slot, user_lang, lang)
        lines += [f"{labels['topics'][lang]}: {fields['topics']}", f"{labels['district'][lang]}: {fields['district']}",
                  f"{labels['language'][lang]}: {fields['language_name']}"]
    return "\n".join(lines)


def handoff_available(tracker: Tracker) -> bool:
    return bool((tracker.latest_message.get("metadata") or {}).get(METADATA_KEY))


def language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "bn"


class ActionOfferHandoff(Action):
    """Offers a counsellor when asked for a person, or after the second distress message of a session;
    gives the helplines instead when the front end has no staff chat."""

    def name(self) -> Text:
        return "action_offer_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in DISTRESS_INTENTS:
            if distress_count(tracker.events) < DISTRESS_OFFER_AT or offered_this_session(tracker.events):
                return []
        if not handoff_available(tracker):
            if intent != "emergency":  # the emergency reply just listed 999, 109 and 1098
                dispatcher.utter_message(response="utter_handoff_unavailable")
            return [SlotSet("handoff_offered", False)]
        lang = language(tracker)
        dispatcher.utter_message(response="utter_handoff_offer",
                                 **shared_fields(tracker.events, tracker.get_slot("location"), lang, lang))
        return [SlotSet("handoff_offered", True)]


class ActionHandoff(Action):
    """The answer to the offer: a yes hands off (the custom payload), a no shares nothing. The rules
    send only a yes or no that comes right after action_offer_handoff; the slot says whether that
    action really offered (it may have said nothing, or given the helplines)."""

    def name(self) -> Text:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        offered = bool(tracker.get_slot("handoff_offered"))
        if intent == "affirm" and offered and handoff_available(tracker):
            lang = language(tracker)
            dispatcher.utter_message(json_message={"handoff": {
                "summary": summary(tracker.events, tracker.get_slot("location"), lang), "lang": lang}})
            return [SlotSet("handoff_offered", False)]
        if intent == "affirm":
            dispatcher.utter_message(response="utter_affirm")
            return [SlotSet("handoff_offered", False)]
        dispatcher.utter_message(response="utter_handoff_declined" if offered else "utter_deny")
        return [SlotSet("handoff_offered", False)]
