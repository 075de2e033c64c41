"""Referral flows end to end: REST channel, trained model, action server and a real SQLite directory."""
from __future__ import annotations

from tests.stack import RasaStack
from tests.test_conversation import EMERGENCY, texts


def test_place_in_the_first_message(rasa_stack: RasaStack, sender: str) -> None:
    body = texts(rasa_stack.send(sender, "I need free legal aid office in jessore"))
    assert "District Legal Aid Office, Jashore" in body and "Listed in: observerbd.com" in body
    assert "verified" not in body.lower()


def test_place_asked_for_afterwards_in_bangla(rasa_stack: RasaStack, sender: str) -> None:
    replies = rasa_stack.send(sender, "আমার একটা নিরাপদ আশ্রয় দরকার")
    assert any((r.get("custom") or {}).get("request_location") for r in replies)
    body = texts(rasa_stack.send(sender, "আমি খুলনায় থাকি"))
    assert "খুলনা" in body and "তালিকার উৎস:" in body and "যাচাই" not in body


def test_banglish_with_gps_location(rasa_stack: RasaStack, sender: str) -> None:
    rasa_stack.send(sender, "kache kono hospital ba OCC ache?")
    body = texts(rasa_stack.send(sender, "/inform_location", {"lat": 22.82, "lon": 89.55}))
    assert "Khulna" in body or "খুলনা" in body


def test_unknown_and_ambiguous_places(rasa_stack: RasaStack, sender: str) -> None:
    assert "many districts" in texts(rasa_stack.send(sender, "find a shelter in sadar"))
    assert "couldn't find" in texts(rasa_stack.send(sender, "/inform_location{\"location\": \"Atlantis\"}"))


def test_missing_category_and_outside_bangladesh(rasa_stack: RasaStack, sender: str) -> None:
    assert "no counselling services listed" in texts(rasa_stack.send(sender, "is there a counsellor near Bhola?"))
    assert "outside Bangladesh" in texts(rasa_stack.send(sender, "/inform_location", {"lat": 28.61, "lon": 77.21}))


def test_a_place_abroad_is_never_answered_with_a_bangladeshi_one(rasa_stack: RasaStack, sender: str) -> None:
    body = texts(rasa_stack.send(sender, "legal aid office in Kolkata"))
    assert "outside Bangladesh" in body and "+8809610102030" in body and "Cox" not in body and "Nearest" not in body


def test_once_the_upazila_is_known_a_child_marriage_answer_names_its_offices(rasa_stack: RasaStack,
                                                                            sender: str) -> None:
    rasa_stack.send(sender, "legal aid office near me")
    rasa_stack.send(sender, '/inform_location{"location": "Jashore/Sharsha", "place_level": "upazila"}')
    body = texts(rasa_stack.send(sender, '/report_child_marriage{"item":"report_child_marriage"}'))
    assert "UNO's office (Upazila Nirbahi Officer, Sharsha)" in body and "Women Affairs Office, Sharsha" in body


def test_crisis_interrupts_a_referral_flow(rasa_stack: RasaStack, sender: str) -> None:
    rasa_stack.send(sender, "where is the nearest shelter?")
    replies = rasa_stack.send(sender, "they locked me in a room, help")
    assert all(n in replies[0]["text"] for n in EMERGENCY)


def test_context_carries_over(rasa_stack: RasaStack, sender: str) -> None:
    rasa_stack.send(sender, "legal aid office in Khulna")
    assert "Khulna Medical College Hospital" in texts(rasa_stack.send(sender, "/find_medical"))
    assert "Cox's Bazar" in texts(rasa_stack.send(sender, "/inform_location{\"location\": \"coxs bazar\"}"))
