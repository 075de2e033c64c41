"""Answers awareness, law, rights and scheme questions from the knowledge base (content/kb/)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import referrals
from actions.answer_book import ITEM_ENTITY, answer_book, book_language
from knowledge.kb import KNOWLEDGE_INTENTS
from knowledge.selector import answer_selector, keeps_own_reply

answer_selector()  # load (or fit) at action-server start, not on a child's first question

# The own replies of knowledge.selector.OWN_REPLY_INTENTS: kept when the selector finds no item (see
# knowledge.selector.keeps_own_reply; for small talk such as thanks or "are you a bot?", only a plain answer replaces it).
OWN_REPLY = {"out_of_scope": "utter_out_of_scope", "help": "utter_help", "nlu_fallback": "utter_default",
             "hotline_numbers": "utter_hotlines", "goodbye": "utter_goodbye", "thank": "utter_thank",
             "affirm": "utter_affirm", "deny": "utter_deny", "bot_challenge": "utter_bot_challenge"}


class ActionAnswer(Action):
    """Replies with the knowledge item that answers the latest message, or says it is not sure."""

    def name(self) -> Text:
        return "action_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        book, language = answer_book(), tracker.get_slot("language")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        item_id = _chosen_item(tracker, intent, text)
        if item_id is None and text.startswith("/") and intent in OWN_REPLY:  # a command or button: /start, /help
            dispatcher.utter_message(response=OWN_REPLY[intent])
            return []
        if item_id is not None:
            reply = book.reply(item_id, language)
        else:
            choice = answer_selector().choose(book.kb, text, intent)
            if choice.answered and choice.hedged:
                reply = book.hedged(choice, language)
            elif choice.answered:
                reply = book.reply(choice.item.id, language)
            elif keeps_own_reply(choice, intent):
                dispatcher.utter_message(response=OWN_REPLY[intent])
                return []
            else:
                reply = book.not_sure(choice, language)
        if reply is None:  # a button for an item that no longer exists: never guess, fall back (with 999/109/1098)
            dispatcher.utter_message(response="utter_default")
            return []
        answered = item_id or (choice.item.id if choice.answered else None)
        kind = referrals.local_action_kind(answered) if answered else None
        local = referrals.local_action(kind, tracker.get_slot("location"), book_language(language)) if kind else None
        dispatcher.utter_message(text=reply.text + (f"\n{local}" if local else ""), buttons=reply.buttons)
        return []


class ActionAnswerAfterCrisis(Action):
    """After the emergency numbers (which always come first, from the domain), the short answer of the item
    that the message also asked about, when the selector picks one plainly: "my uncle beats me, what can I
    do?" gets 999, 109 and 1098, then what to do. Nothing when no item fits well."""

    def name(self) -> Text:
        return "action_answer_after_crisis"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        book = answer_book()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        item = answer_selector().also_answers(book.kb, tracker.latest_message.get("text") or "", intent)
        if item is not None:
            reply = book.short(item, tracker.get_slot("language"), intro="also_helps")
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return []


def _chosen_item(tracker: Tracker, intent: Optional[str], text: str) -> Optional[str]:
    """The item a button asked for: its `item` entity, or the intent's general answer for a bare /intent."""
    item_id = next(tracker.get_latest_entity_values(ITEM_ENTITY), None)
    if item_id:
        return str(item_id)
    if text.startswith("/") and intent in KNOWLEDGE_INTENTS:
        return intent
    return None
