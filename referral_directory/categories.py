"""Canonical service categories and the map from free-text category names (data/categories.csv)."""
from __future__ import annotations

import functools
from typing import Dict, Optional

from .gazetteer import read_csv
from .text import fold

CATEGORIES = ("shelter", "legal_aid", "social_protection", "medical", "counselling", "police", "helpline",
              "tribunal")


@functools.lru_cache(maxsize=1)
def _map() -> Dict[str, str]:
    out: Dict[str, str] = {}
    for r in read_csv("categories.csv"):
        if r["category"] not in CATEGORIES:
            raise ValueError(f"data/categories.csv maps {r['raw']!r} to unknown category {r['category']!r}")
        out[fold(r["raw"].replace("_", " "))] = r["category"]
    return out


def canonical(raw: str) -> Optional[str]:
    """The canonical category for a raw value (canonical name, English/Bangla free text), else None."""
    return _map().get(fold((raw or "").replace("_", " ")))


@functools.lru_cache(maxsize=1)
def _serves_rules() -> list:
    return [(r["name_contains"].lower(), r["serves"]) for r in read_csv("serves.csv")]


SERVES = ("children", "women", "everyone")


def infer_serves(name_en: str) -> str:
    """Who a service is for, from data/serves.csv rules on its English name; 'everyone' by default."""
    low = (name_en or "").lower()
    for needle, serves in _serves_rules():
        if needle in low:
            return serves
    return "everyone"
