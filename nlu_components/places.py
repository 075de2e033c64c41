"""Place names in a message, found with the referral directory's resolver (the gazetteer).

Used twice: the classifier sees a placeholder instead of the place ("ami xplacex theke"), so a district
it never saw in training still reads as a place; and the `location` entity is filled with the words
that named the place, whatever the script or spelling (যশোরে, jessor, ctg).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from referral_directory import resolve_text

PLACEHOLDER = " xplacex "


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str
    status: str  # 'found' or 'ambiguous'
    confidence: float


def find_place(text: str) -> Optional[PlaceMention]:
    """The place named in ``text`` (offsets into ``text``), or None."""
    resolution = resolve_text(text)
    if resolution.status == "not_found" or not resolution.candidates:
        return None
    place = resolution.place or resolution.candidates[0]
    matched = place.matched or ""
    start = text.lower().find(matched.lower()) if matched else -1
    if start < 0:
        return None
    return PlaceMention(start, start + len(matched), text[start:start + len(matched)], resolution.status,
                        float(place.confidence or 0.0))


def mask_places(text: str) -> str:
    mention = find_place(text)
    if mention is None:
        return text
    return text[: mention.start] + PLACEHOLDER + text[mention.end:]
