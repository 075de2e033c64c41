"""The referral action against a real SQLite directory, through rasa_sdk's Tracker and dispatcher."""
from __future__ import annotations

import re
from typing import Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import referrals
from actions.find_services import ActionFindServices
from referral_directory import Directory


@pytest.fixture(autouse=True)
def directory(tmp_path, monkeypatch):
    """A fresh directory seeded from the shipped CSVs, in a temporary SQLite file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'referral.db'}")
    referrals.directory.cache_clear()
    yield Directory.open()
    referrals.directory.cache_clear()


def run(intent: str, entities: Optional[dict] = None, slots: Optional[dict] = None, metadata: Optional[dict] = None,
        text: str = ""):
    tracker = Tracker("test", {"language": "en", **(slots or {})},
                      {"intent": {"name": intent}, "text": text, "metadata": metadata or {},
                       "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]},
                      [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    events = ActionFindServices().run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


def texts(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_place_in_the_first_message_gives_three_nearest_with_helpline() -> None:
    messages, slots = run("find_legal_aid", {"location": "jessor"})
    body = texts(messages)
    assert body.index("District Legal Aid Office, Jashore") < body.index("District Legal Aid Office, Narail")
    assert body.count("Listed in: observerbd.com, bhadurup.lakshmipur.gov.bd (2026)") == 3
    # 16430 is not shown: it may have been replaced by 16699, which is unconfirmed (content/helplines.yml)
    assert "16430" not in body and "📞 109:" in body and "in the same district town" in body
    assert slots == {"service_intent": "find_legal_aid", "location": "place:district:Jashore"}
    assert any(b["payload"] == "/find_shelter" for b in messages[0]["buttons"])


def test_bangla_reply_uses_bangla_names() -> None:
    body = texts(run("find_legal_aid", {"location": "যশোরে"}, {"language": "bn"})[0])
    assert "জেলা লিগ্যাল এইড অফিস, যশোর" in body
    assert body.count("তালিকার উৎস: observerbd.com, bhadurup.lakshmipur.gov.bd (২০২৬)") == 3


def test_unknown_place_asks_in_three_ways() -> None:
    messages, slots = run("find_shelter")
    assert "Share your location" in messages[0]["text"]
    assert len(messages[0]["buttons"]) == 8  # the divisions
    assert messages[1]["custom"] == {"request_location": True, "button": "📍 Share my location"}


def test_picker_goes_division_district_upazila_then_results() -> None:
    messages, _ = run("inform_location", {"location": "Khulna", "place_level": "division"})
    jashore = next(b for b in messages[0]["buttons"] if b["title"] == "Jashore")
    assert '"place_level": "district"' in jashore["payload"]
    messages, _ = run("inform_location", {"location": "Jashore", "place_level": "district"})
    assert any(b["title"] == "Sharsha" for b in messages[0]["buttons"])
    messages, slots = run("inform_location", {"location": "Jashore/Sharsha", "place_level": "upazila"},
                          {"service_intent": "find_legal_aid"})
    assert "Nearest free legal aid offices to Sharsha, Jashore" in texts(messages)
    assert slots["location"] == "place:upazila:Jashore/Sharsha"


def test_gps_location_and_a_point_outside_bangladesh() -> None:
    body = texts(run("find_medical", metadata={"lat": 22.82, "lon": 89.55})[0])
    assert "Khulna Medical College Hospital" in body and "your location" in body
    body = texts(run("find_medical", metadata={"lat": 28.61, "lon": 77.21})[0])
    assert "outside Bangladesh" in body and "Nearest" not in body


def test_a_place_abroad_gets_what_helps_from_abroad_never_a_bangladeshi_office() -> None:
    for slots in ({}, {"location": "place:district:Jashore", "service_intent": "find_legal_aid"}):
        messages, events = run("find_legal_aid", slots=slots, text="legal aid office in Kolkata")
        body = texts(messages)
        assert "Kolkata is in India, outside Bangladesh" in body and "+8809610102030" in body
        assert "s.50" in body and "Nearest" not in body and "Jashore" not in body and "Cox" not in body
        assert events["location"] is None  # the earlier place is not reused for a question about Kolkata
        assert any("India" in b["title"] for m in messages for b in m.get("buttons") or [])
    messages, _ = run("find_shelter", text="দুবাইতে আশ্রয় দরকার", slots={"language": "bn"})
    assert "দুবাই (সংযুক্ত আরব আমিরাত) বাংলাদেশের বাইরে" in texts(messages)


def test_ambiguous_and_unknown_places_ask_instead_of_guessing() -> None:
    messages, slots = run("find_shelter", {"location": "Sadar"})
    assert "many districts" in messages[0]["text"] and slots["location"] is None
    messages, _ = run("find_shelter", {"location": "Mirpur"})
    assert messages[0]["text"] == "Which place do you mean?"
    assert {b["title"] for b in messages[0]["buttons"]} >= {"Mirpur, Kushtia"}
    messages, _ = run("find_shelter", {"location": "Atlantis"})
    assert "couldn't find a place" in messages[0]["text"]


def test_category_with_no_verified_service_says_so_and_gives_the_helpline() -> None:
    body = texts(run("find_counselling", {"location": "Bhola"})[0])
    assert "no counselling services listed for this area from a source we can show" in body and "1098" in body
    assert "verified" not in body


def test_far_results_say_how_far() -> None:
    body = texts(run("find_shelter", {"location": "Panchagarh"})[0])
    assert "within 50 km" in body and re.search(r"about \d+ km", body)


def test_context_carries_over() -> None:
    _, slots = run("find_legal_aid", {"location": "Khulna"})
    body = texts(run("find_medical", slots=slots)[0])  # "and a hospital?"
    assert "Khulna Medical College Hospital" in body
    body = texts(run("inform_location", {"location": "Cox's Bazar"}, {"service_intent": "find_legal_aid"})[0])
    assert "District Legal Aid Office, Cox's Bazar" in body
    messages, _ = run("inform_location", {"location": "Bogra"})  # a place, no need yet
    assert "What do you need near" in messages[0]["text"]


def test_unverified_services_are_never_shown(directory: Directory) -> None:
    unverified = {s.name_en for s in directory.nearest("Dhaka", "counselling", limit=100, staff=True).results
                  if not s.verified}
    assert unverified
    for category in referrals.CATEGORY_INTENTS:
        body = texts(run(category, {"location": "Dhaka"})[0])
        assert not any(name in body for name in unverified)


def test_exact_locations_get_a_map_pin_and_verified_phones_are_shown(directory: Directory, tmp_path) -> None:
    """A (test-only) verified shelter with exact coordinates and a phone: the reply shows the number
    and carries a venue pin; district-level services never get a pin."""
    csv_file = tmp_path / "extra.csv"
    csv_file.write_text(
        "id,name_en,name_bn,category,division,district,upazila,address,phone,hours,lat,lon,serves,source,verified,"
        "listed_on,confirmed_on,notes\n"
        "test-shelter,Test Shelter Khulna,টেস্ট আশ্রয়,shelter,Khulna,Khulna,,1 Test Road,01711-123456,,22.81,89.56,"
        "children,test fixture,yes,2026-11-01,,\n", encoding="utf-8")
    report = directory.import_csv(csv_file)
    assert not getattr(report, "errors", None)
    messages, _ = run("find_shelter", {"location": "Khulna"})
    assert "01711123456" in texts(messages).replace("-", "") and "1 Test Road" in texts(messages)
    pins = [m["custom"] for m in messages if m.get("custom")]
    assert pins == [{"venues": [{"latitude": 22.81, "longitude": 89.56, "title": "Test Shelter Khulna",
                                 "address": "1 Test Road"}]}]
    messages, _ = run("find_legal_aid", {"location": "Khulna"})
    assert not any(m.get("custom") for m in messages)


# -- local action (issue 14): the user's own upazila offices --------------------------------------------------
def test_child_marriage_and_allowance_replies_name_the_users_own_upazila_offices() -> None:
    from actions.screener import results

    for slot in ("place:upazila:Jashore/Sharsha", "point:23.04,88.89"):  # picked, or a shared point in Sharsha
        line = referrals.local_action("child_marriage", slot, "en")
        assert "UNO's office (Upazila Nirbahi Officer, Sharsha)" in line and "Women Affairs Office, Sharsha" in line
        assert "109" in line and "1098" in line and "confirmed" in line
    assert "শার্শা" in referrals.local_action("child_marriage", "place:upazila:Jashore/Sharsha", "bn")
    # no upazila known: no line, never a guess from the district town
    assert referrals.local_action("child_marriage", "place:district:Jashore", "en") is None
    assert referrals.local_action("child_marriage", None, "en") is None
    # a new upazila whose Women Affairs Office is not confirmed: only the UNO's office
    line = referrals.local_action("child_marriage", "place:upazila:Habiganj/Shayestaganj", "en")
    assert "UNO's office" in line and "Women Affairs" not in line
    body = results({"child": "under_5", "pregnant": "yes", "mother": "no", "disability": "no"}, "en",
                   "place:upazila:Madaripur/Shibchar").text
    assert "Upazila Social Services Office, Shibchar" in body and "333" in body


def test_local_action_items_exist() -> None:
    from knowledge.kb import knowledge_base

    items = knowledge_base().items
    assert all(i in items for ids in referrals.content()["local_action_items"].values() for i in ids)


# -- where an entry comes from, and who confirmed it --------------------------------------------------------------
def test_results_name_their_source_and_never_claim_a_check_nobody_made() -> None:
    """The shipped list was compiled from sources in November 2026; nobody has phoned these services, so a
    reply names the source (its host) and the year, and never says "verified" or "confirmed"."""
    place = referrals.gazetteer_place("district", "Khulna")
    body = referrals.nearest_services("find_medical", place, "en").text
    assert body.count("📄 Listed in: mowca.portal.gov.bd (2026)") == 3
    assert "verified" not in body.lower() and "confirmed" not in body.lower()
    body = referrals.nearest_services("find_shelter", referrals.gazetteer_place("district", "Jashore"), "en").text
    # an NGO page and a 2005 article, which gave the address: services.csv lists it with its source's year
    assert "Listed in: ahsaniamission.org.bd, thedailystar.net (2005)" in body
    assert "verified" not in body.lower() and "confirmed" not in body.lower()
    bn = referrals.nearest_services("find_medical", place, "bn").text
    assert bn.count("তালিকার উৎস: mowca.portal.gov.bd (২০২৬)") == 3
    assert "যাচাই" not in bn and "নিশ্চিত করেছেন" not in bn


def test_a_staff_confirmation_is_shown_with_its_date(directory: Directory, tmp_path) -> None:
    csv_file = tmp_path / "confirmed.csv"
    csv_file.write_text(
        "id,name_en,name_bn,category,district,address,phone,lat,lon,serves,source,verified,listed_on,confirmed_on\n"
        "phoned-shelter,Phoned Shelter Khulna,ফোন করা আশ্রয় খুলনা,shelter,Khulna,3 Test Road,01711-123456,22.81,89.56,"
        "children,\"https://www.example.org/shelters ; Ain o Salish Kendra annual report 2019, printed copy\",yes,"
        "2026-10-01,2026-11-20\n", encoding="utf-8")
    assert directory.import_csv(csv_file, changed_by="staff-test").ok
    place = referrals.gazetteer_place("district", "Khulna")
    body = referrals.nearest_services("find_shelter", place, "en").text
    entry = body.split("1. Phoned Shelter Khulna")[1].split("\n\n")[0]
    assert "📄 Listed in: example.org, Ain o Salish Kendra annual report 2019… (2026)" in entry
    assert "✔ Confirmed by our staff on 20 November 2026" in entry
    assert body.count("Confirmed by our staff") == 1  # the other results: nobody confirmed them
    bn = referrals.nearest_services("find_shelter", place, "bn").text
    assert "আমাদের কর্মী ২০ নভেম্বর ২০২৬ তারিখে নিশ্চিত করেছেন" in bn
    assert "তালিকার উৎস: example.org, Ain o Salish Kendra annual report 2019… (২০২৬)" in bn


def test_source_labels_are_short() -> None:
    assert referrals.source_label("https://www.observerbd.com/details.php?id=1 ; https://x.gov.bd/bn/a ; "
                                  "https://third.org") == "observerbd.com, x.gov.bd"
    assert referrals.source_label("https://mowca.portal.gov.bd/a ; https://mowca.portal.gov.bd/b") == \
        "mowca.portal.gov.bd"
    assert referrals.source_label("Leaflet from the district office") == "Leaflet from the district office"
    long = referrals.source_label("A very long description of a printed source that goes on and on")
    assert len(long) == 40 and long.endswith("…")


def test_no_user_facing_referral_text_calls_an_entry_verified() -> None:
    """Users see every string value of content/referrals.yml (comments and keys are for editors)."""
    import yaml

    with open(referrals.CONTENT_DIR / "referrals.yml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    found = list(strings(data))
    assert len(found) > 50 and any("Listed in" in s for s in found)
    assert [s for s in found if "verified" in s.lower() or "যাচাই" in s] == []
