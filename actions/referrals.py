"""Referral replies as plain data (no Rasa): nearest services, place pickers, and their wording.

The Rasa action in find_services.py only reads the tracker and sends what this module returns, so
everything here can be tested against a real directory without Rasa. Wording lives in
content/referrals.yml. Only verified services and verified phone numbers ever reach a user: the
directory's user-facing calls exclude the rest.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Optional, Union
from urllib.parse import urlsplit


from actions.answer_book import CONTENT_DIR, answer_book
from knowledge.selector import answer_selector
from referral_directory import Directory, Place, Point
from contract import location_slot
from contract.text import read_yaml
from referral_directory import gazetteer, geo, upazila_offices
from referral_directory.places import STORED_DECIMALS, AbroadPlace
from safety.text import TO_BANGLA_DIGITS

CATEGORY_INTENTS = ("find_shelter", "find_legal_aid", "find_social_protection", "find_medical", "find_counselling")
LIMIT = 3
SOURCE_LABEL_MAX = 40  # a source that is no URL is shown as written, cut to this many characters
_URL = re.compile(r"https?://[^\s,;]+", re.IGNORECASE)
MAX_CHOICES = 8  # more ambiguous readings than this: ask for the division instead


@dataclass
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)
    custom: Optional[dict] = None


@lru_cache(maxsize=1)
def content() -> dict:
    return read_yaml(CONTENT_DIR / "referrals.yml")


@lru_cache(maxsize=1)
def directory() -> Directory:
    """One directory per process (DATABASE_URL, else SQLite var/referral.db), opened on first use."""
    return Directory.open()


def t(key: str, lang: str, **values: object) -> str:
    return content()["texts"][key][lang].format(**values)


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


# -- places -------------------------------------------------------------------------------------------

def gazetteer_place(level: str, value: str) -> Optional[Place]:
    """A place chosen from the picker: exact names, no fuzzy matching ("District" or "District/Upazila")."""
    g = gazetteer.load()
    if level == "division" and value in g.divisions:
        # The division's point: its namesake HQ district (every division has one), else any district of it.
        hq = g.districts.get(value) or next(d for d in g.districts.values() if d.division == value)
        return Place("division", value, None, None, g.divisions[value].name_bn, hq.lat, hq.lon, "division")
    district, _, upazila = value.partition("/")
    d = g.districts.get(district)
    if d is None:
        return None
    if upazila:
        u = g.upazilas.get((district, upazila))
        if u is None:
            return None
        lat, lon, precision = g.point_of(district, upazila)
        return Place("upazila", d.division, district, upazila, u.name_bn, lat, lon, precision)
    return Place("district", d.division, district, None, d.name_bn, d.lat, d.lon, "district")


def slot_value(origin: Union[Place, Point]) -> str:
    """What the `location` slot keeps (layout: contract/location_slot.py), so that a later "and legal aid?"
    finds the same place exactly."""
    if isinstance(origin, Point):
        coarse = origin.coarse()  # the exact position answered this message; the slot keeps ~1 km
        return location_slot.point(coarse.lat, coarse.lon, STORED_DECIMALS)
    if origin.level == "division":
        return location_slot.place("division", origin.division)
    if origin.upazila:
        return location_slot.place("upazila", f"{origin.district}/{origin.upazila}")
    return location_slot.place("district", origin.district)


def origin_from_slot(value: Optional[str]) -> Optional[Union[Place, Point]]:
    slot = location_slot.parse(value)
    if slot is None:
        return None
    if slot.kind == "point":
        return Point(slot.lat, slot.lon)
    return gazetteer_place(slot.level, slot.name)


def place_name(place: Place, lang: str) -> str:
    if lang == "bn":
        return place.name_bn
    return place.label()


def division_picker(lang: str) -> list[dict]:
    g = gazetteer.load()
    return [{"title": d.name_bn if lang == "bn" else d.name_en,
             "payload": payload("inform_location", location=d.name_en, place_level="division")}
            for d in g.divisions.values()]


def district_picker(division: str, lang: str) -> Reply:
    g = gazetteer.load()
    districts = sorted((d for d in g.districts.values() if d.division == division), key=lambda d: d.name_en)
    name = g.divisions[division].name_bn if lang == "bn" else division
    return Reply(t("choose_district", lang, division=name),
                 [{"title": d.name_bn if lang == "bn" else d.name_en,
                   "payload": payload("inform_location", location=d.name_en, place_level="district")} for d in districts])


def upazila_picker(district: str, lang: str) -> Reply:
    g = gazetteer.load()
    d = g.districts[district]
    name = d.name_bn if lang == "bn" else d.name_en
    buttons = [{"title": t("whole_district", lang, district=name),
                "payload": payload("inform_location", location=district, place_level="district_all")}]
    buttons += [{"title": u.name_bn if lang == "bn" else u.name_en,
                 "payload": payload("inform_location", location=f"{district}/{u.name_en}", place_level="upazila")}
                for u in sorted(g.upazilas_of(district), key=lambda u: u.name_en)]
    return Reply(t("choose_upazila", lang, district=name), buttons)


def ask_for_place(lang: str) -> Reply:
    """Three ways at once: a location button (Telegram phones), a picker (works on Telegram Desktop),
    or typing the name."""
    return Reply(t("ask_place", lang), division_picker(lang),
                 {"request_location": True, "button": t("share_location", lang)})


def did_you_mean(candidates: list[Place], text: str, lang: str) -> Reply:
    if len(candidates) > MAX_CHOICES:
        return Reply(t("too_many_places", lang, text=text[:40]), division_picker(lang))
    buttons = []
    for p in candidates:
        value = f"{p.district}/{p.upazila}" if p.upazila else (p.district or p.division)
        level = "upazila" if p.upazila else ("district_all" if p.district else "division")
        buttons.append({"title": place_name(p, lang) if lang == "en" else f"{p.name_bn} ({p.label()})",
                        "payload": payload("inform_location", location=value, place_level=level)})
    return Reply(t("did_you_mean", lang), buttons)


def abroad(place: AbroadPlace, lang: str) -> Reply:
    """A place outside Bangladesh was named: say so, never substitute a Bangladeshi place, and give what
    helps from abroad (Probash Bondhu's number for callers abroad, the embassy's duty under s.50), with
    the knowledge items for that region as buttons."""
    name, country = (place.name_bn, place.country_bn) if lang == "bn" else (place.name_en, place.country_en)
    is_country = place.name_en == place.country_en.removeprefix("the ")
    lines = [t("abroad_country" if is_country else "abroad", lang, place=name, country=country), t("abroad_help", lang),
             *helpline_lines(content()["texts"]["outside_helplines"], lang), t("abroad_in_bangladesh", lang)]
    book = answer_book()
    items = [book.kb.items[i] for i in content()["abroad_items"].get(place.region, content()["abroad_items"]["other"])
             if i in book.kb.items]
    buttons = book.item_buttons(items, lang) + [{"title": t("another_place", lang),
                                                 "payload": payload("inform_location", place_level="ask")}]
    return Reply("\n".join(lines), buttons)


def upazila_of_slot(location_slot: Optional[str]) -> Optional[tuple[str, str]]:
    """(district, upazila) of the `location` slot: a typed or picked upazila, or the upazila whose boundary
    holds a shared point; None for a district, a division or a point abroad."""
    origin = origin_from_slot(location_slot)
    if isinstance(origin, Place):
        return (origin.district, origin.upazila) if origin.upazila else None
    if isinstance(origin, Point):
        unit = geo.upazila_at(origin.lat, origin.lon)
        return (unit.district, unit.upazila) if unit is not None and unit.upazila else None
    return None


def local_action(kind: str, location_slot: Optional[str], lang: str) -> Optional[str]:
    """The line naming the user's own upazila offices for ``kind`` (content/referrals.yml local_action), or
    None when the upazila is not known. Offices whose entry is unverified there (a new upazila) are left out."""
    where = upazila_of_slot(location_slot)
    if where is None:
        return None
    spec, texts = content()["local_action"][kind], content()["local_action"]
    district, name = where
    upazila = gazetteer.load().upazilas[(district, name)]
    label = upazila.name_bn if lang == "bn" else upazila.name_en
    rows = upazila_offices.local_offices(district, name)
    names = []
    for office in spec["offices"]:
        if office == "uno":
            names.append(texts["uno"][lang].format(upazila=label))
        elif office in rows and rows[office]["verified"] == "yes":
            names.append(rows[office]["name_bn" if lang == "bn" else "name_en"])
    place = f"{label}, {gazetteer.load().district_name(district, lang)}"
    return spec[lang].format(place=place, offices=texts["and"][lang].join(names))


def local_action_kind(item_id: str) -> Optional[str]:
    """Which local-action line (if any) follows the answer of knowledge item ``item_id``."""
    return next((kind for kind, items in content()["local_action_items"].items() if item_id in items), None)


def not_found(text: str, lang: str) -> Reply:
    return Reply(t("not_found", lang, text=text[:60]), division_picker(lang))


def origin_name(origin: Union[Place, Point], lang: str) -> str:
    """A place's name, or for a shared point the upazila whose boundary holds it: "your location
    (Sharsha, Jashore)", not "near Jashore town"."""
    if isinstance(origin, Place):
        return place_name(origin, lang)
    mine = "তোমার লোকেশন" if lang == "bn" else "your location"
    unit = geo.upazila_at(origin.lat, origin.lon)
    if unit is None:
        return mine
    g = gazetteer.load()
    district = g.district_name(unit.district, lang)
    if unit.upazila:
        upazila = g.upazilas[(unit.district, unit.upazila)]
        return f"{mine} ({upazila.name_bn if lang == 'bn' else upazila.name_en}, {district})"
    return f"{mine} ({unit.ocha_name}, {district})"


def genitive(name: str) -> str:
    """Bangla possessive of a place name: গাইবান্ধা -> গাইবান্ধার, যশোর -> যশোরের (never "গাইবান্ধা-এর")."""
    if name.endswith(")") and " (" in name:  # "তোমার লোকেশন (শার্শা, যশোর)" -> "তোমার লোকেশনের (শার্শা, যশোর)"
        head, _, tail = name.partition(" (")
        return f"{genitive(head)} ({tail}"
    if not name or not "\u0980" <= name[-1] <= "\u09ff":
        return f"{name}-এর"  # a Latin name or a number keeps the hyphen
    return name + ("র" if name[-1] in _ENDS_IN_VOWEL else "ের")


_ENDS_IN_VOWEL = set("অআইঈউঊঋএঐওঔািীুূৃেৈোৌ")


def about_service(intent: str, text: str, lang: str) -> Optional[str]:
    """What comes before the search: the short answer of the item the message also asked about ("where can
    a girl get medical care after abuse?": what a One-Stop Crisis Centre does), when the selector picks one
    plainly, else of the item that explains this kind of service (`about_item` in content/referrals.yml)."""
    book = answer_book()
    item = answer_selector().also_answers(book.kb, text, intent) or book.kb.get(content()["categories"][intent].get("about_item"))
    return None if item is None else book.short(item, lang).text


def which_service(origin: Union[Place, Point], lang: str) -> Reply:
    labels = answer_book().button_labels
    where = origin_name(origin, lang)
    return Reply(t("which_service", lang, place=where, place_of=genitive(where)),
                 [{"title": labels[i][lang], "payload": f"/{i}"} for i in CATEGORY_INTENTS])


# -- results ------------------------------------------------------------------------------------------

def format_day(day: dt.date, lang: str) -> str:
    """A full date as people write it ("3 December 2026", "৩ ডিসেম্বর ২০২৬"): a confirmation is a day."""
    if lang == "bn":
        return f"{day.day} {content()['months_bn'][day.month - 1]} {day.year}".translate(TO_BANGLA_DIGITS)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def source_label(source: str) -> str:
    """Where an entry comes from, short enough for a chat line, so users can judge it themselves: the host
    names of its first one or two sources ("mowca.portal.gov.bd"), a source that is no URL as written
    (cut to SOURCE_LABEL_MAX characters). Sources are separated by ';'."""
    labels: list[str] = []
    for part in re.split(r"[;\n]", source or ""):
        part = part.strip()
        if not part:
            continue
        urls = _URL.findall(part)
        hosts = [urlsplit(u).hostname for u in urls]
        if urls and all(hosts):
            found = [h.removeprefix("www.") for h in hosts]
        elif len(part) > SOURCE_LABEL_MAX:
            found = [part[:SOURCE_LABEL_MAX - 1].rstrip(" ,.;:-") + "…"]
        else:
            found = [part]
        for label in found:
            if label not in labels:
                labels.append(label)
    return ", ".join(labels[:2])


def service_origin_lines(s: Any, lang: str) -> list[str]:
    """Where the entry comes from and, only when a person confirmed it, when: never a date that claims a
    check nobody made (the listing date is when our source was published or read)."""
    lines: list[str] = []
    label = source_label(s.source)
    if label:
        if s.listed_on is None:
            lines.append(f"   📄 {t('listed_in_undated', lang, source=label)}")
        else:
            year = str(s.listed_on.year).translate(TO_BANGLA_DIGITS) if lang == "bn" else str(s.listed_on.year)
            lines.append(f"   📄 {t('listed_in', lang, source=label, year=year)}")
    if s.confirmed_on is not None:
        lines.append(f"   ✔ {t('confirmed', lang, date=format_day(s.confirmed_on, lang))}")
    return lines


def format_km(km: float, lang: str = "en") -> str:
    text = f"{km:.0f}" if km >= 10 else f"{km:.1f}"
    return text.translate(TO_BANGLA_DIGITS) if lang == "bn" else text


def helpline_lines(numbers: list[str], lang: str) -> list[str]:
    labels = answer_book().helplines
    return [f"📞 {n}: {labels[n][lang]}" for n in numbers]


def nearest_services(intent: str, origin: Union[Place, Point], lang: str) -> Reply:
    """The three nearest verified services of the intent's category, with the national helpline."""
    spec = content()["categories"][intent]
    what = spec[lang]
    result = directory().nearest(origin, category=spec["category"], limit=LIMIT)
    buttons = [{"title": answer_book().button_labels[i][lang], "payload": f"/{i}"} for i in CATEGORY_INTENTS if i != intent]
    buttons.append({"title": t("another_place", lang), "payload": payload("inform_location", place_level="ask")})
    if result.outside:
        lines = [t("outside", lang), "", *helpline_lines(content()["texts"]["outside_helplines"], lang)]
        return Reply("\n".join(lines), buttons)
    where = origin_name(origin, lang)
    lines: list[str] = []
    if not result.results:
        lines.append(t("none_verified", lang, what=what))
    else:
        lines.append(t("results_header", lang, what=what, place=where, place_of=genitive(where)))
        if result.widened:
            lines.append(t("widened", lang, near=format_km(result.near_km, lang), km=format_km(result.results[0].distance_km, lang)))
        for i, s in enumerate(result.results, 1):
            name = s.name_bn if lang == "bn" and s.name_bn else s.name_en
            if (s.distance_km or 0) < 1 and s.coord_precision == "district":
                distance = t("same_town", lang)
            else:
                precision = content()["precision"].get(s.coord_precision or "district")[lang]
                distance = t("distance", lang, km=format_km(s.distance_km or 0, lang), precision=precision)
            lines.append(f"\n{i}. {name}\n   📍 {distance}")
            if s.address:
                lines.append(f"   🏠 {t('address', lang)}: {s.address}")
            lines.append(f"   ☎ {t('phone', lang)}: {', '.join(s.phones)}" if s.phones else f"   ☎ {t('no_phone', lang)}")
            lines += service_origin_lines(s, lang)
    lines += ["", t("helplines_header", lang), *helpline_lines(spec["helplines"], lang)]
    return Reply("\n".join(lines), buttons, venues(result.results, lang))


def venues(services: list, lang: str) -> Optional[dict]:
    """Map pins for services whose own location is known. A district-level point is only the district
    town, so it gets no pin: a pin there would send someone to the wrong place."""
    pins = [{"latitude": s.lat, "longitude": s.lon, "title": (s.name_bn if lang == "bn" and s.name_bn else s.name_en)[:64],
             "address": (s.address or s.district or "")[:64]}
            for s in services if s.coord_precision == "exact" and s.lat is not None and s.lon is not None]
    return {"venues": pins} if pins else None
