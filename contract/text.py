"""The text conventions every process follows, in one place: Unicode NFC without zero-width characters
(য় ড় ঢ় arrive both precomposed and as base letter + nukta), the Bangla/Latin digit tables, and the YAML
reader that applies them to every content and data file."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Collection, Optional, Union

import yaml

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")     # Bangla digits -> 0-9, for comparing and parsing
TO_BANGLA_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")  # for counts, dates, distances: never phone numbers
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def nfc(text: str) -> str:
    """NFC without zero-width characters."""
    return unicodedata.normalize("NFC", text or "").translate(ZERO_WIDTH)


def is_bangla(text: str) -> bool:
    """True when the text has a letter of the Bangla block (U+0980-U+09FF)."""
    return any("\u0980" <= ch <= "\u09ff" for ch in text)


def nfc_all(value: Any) -> Any:
    """``value`` with every string inside it (dicts and lists, nested) passed through nfc()."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_all(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc_all(v) for k, v in value.items()}
    return value


def read_yaml(path: Union[str, Path]) -> Any:
    """A YAML file with every string in NFC (an empty file is an empty dict)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return nfc_all(data if data is not None else {})


def nlu_examples(path: Union[str, Path], intents: Optional[Collection[str]] = None) -> list[str]:
    """The example lines (as written, entity markup included) of a Rasa NLU training file, of ``intents`` or of all."""
    return [line[2:] for block in read_yaml(path).get("nlu") or []
            if intents is None or block.get("intent") in intents
            for line in str(block.get("examples", "")).splitlines() if line.startswith("- ")]
