"""Deterministic crisis detection: danger happening now, in Bangla, English or romanized Bangla.

A statistical classifier can be confidently wrong, so this rule layer runs on every message beside
the `emergency` intent and guarantees the emergency reply (999, 109, 1098). The phrases are data in
``crisis_terms.yml`` so that child-protection staff can review and extend them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional


from contract.text import nfc, read_yaml
from safety.text import match_key, normalize_text

TERMS_FILE = Path(__file__).with_name("crisis_terms.yml")
_MACRO = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class CrisisMatch:
    """Which rule fired: kept for tests and counts, never logged with the message text."""

    form: str
    pattern: str


class CrisisDetector:
    """Matches normalised text against the crisis phrase list."""

    def __init__(self, terms: dict) -> None:
        macros = {k: f"(?:{v})" for k, v in (terms.get("macros") or {}).items()}
        self._raw_symbols: tuple[str, ...] = tuple(terms.get("symbols") or ())
        self._whole = {match_key(m).strip() for m in terms.get("whole_message") or ()}

        def compile_(pattern: str) -> re.Pattern[str]:
            expanded = nfc(_MACRO.sub(lambda m: macros[m.group(1)], pattern))
            # A match starts at a word start (the key is padded with spaces) but may end
            # inside a word, so Bangla case endings and verb forms still match.
            return re.compile(" (?:" + expanded + ")")  # every alternative starts at a word start

        self._patterns: list[tuple[str, str, re.Pattern[str]]] = [
            (form, pattern, compile_(pattern))
            for form, patterns in (terms.get("phrases") or {}).items() for pattern in patterns
        ]
        combos = terms.get("combos") or {}
        self._calls = [compile_(p) for p in combos.get("call_for_help") or ()]
        self._threats = [(p, compile_(p)) for p in combos.get("threat_now") or ()]
        self._not_if = [compile_(p) for p in terms.get("not_if") or ()]
        self._not_if_unless = [compile_(p) for p in terms.get("not_if_unless") or ()]
        joking = [nfc(marker).lower() for marker in terms.get("joking") or ()]
        self._joking_words = tuple(f" {m} " for m in joking if m.isalnum())  # matched in the key, as whole words
        self._joking_symbols = tuple(m for m in joking if not m.isalnum())   # emoji: matched in the raw text
        self._together = [(rule["name"], [[compile_(p) for p in group] for group in rule["groups"]],
                           [compile_(p) for p in rule.get("unless") or ()])
                          for rule in terms.get("together") or ()]

    @classmethod
    def from_file(cls, path: Path = TERMS_FILE) -> "CrisisDetector":
        return cls(read_yaml(path))

    def detect(self, text: Optional[str]) -> Optional[CrisisMatch]:
        """Return the first rule that marks ``text`` as a crisis, or None."""
        if not text:
            return None
        raw = normalize_text(text)
        for symbol in self._raw_symbols:
            if symbol in raw:
                return CrisisMatch("symbol", symbol)
        key = match_key(raw)
        if key.strip() in self._whole:
            return CrisisMatch("whole_message", key.strip())
        if self._not_now(raw, key):
            return None
        for form, pattern, regex in self._patterns:
            if regex.search(key):
                return CrisisMatch(form, pattern)
        if any(regex.search(key) for regex in self._calls):
            for pattern, regex in self._threats:
                if regex.search(key):
                    return CrisisMatch("combo", pattern)
        for name, groups, unless in self._together:
            if all(any(regex.search(key) for regex in group) for group in groups) and not any(
                    regex.search(key) for regex in unless):
                return CrisisMatch("together", name)
        return None

    def not_now(self, text: Optional[str]) -> bool:
        """Whether the message says its danger is not the writer's, now: a film, the news, a hypothetical ("if ...
        ever"), a danger that is over ("was rescued", "safe now"), or a joke ("save me 😂"), and names no threat
        as present. The rules then stay silent, and SafetyNet overrules the model's `emergency`: no crisis message of
        any of our sets carries such a context, while about one look-alike in five does (docs/evaluation.md)."""
        if not text:
            return False
        raw = normalize_text(text)
        return self._not_now(raw, match_key(raw))

    def _not_now(self, raw: str, key: str) -> bool:
        if any(regex.search(key) for regex in self._not_if_unless):
            return False  # "I was rescued, but they are outside my door"
        if any(regex.search(key) for regex in self._not_if):
            return True
        return any(word in key for word in self._joking_words) or any(symbol in raw for symbol in self._joking_symbols)

    def is_crisis(self, text: Optional[str]) -> bool:
        return self.detect(text) is not None


@lru_cache(maxsize=1)
def default_detector() -> CrisisDetector:
    """The detector built from the shipped phrase list, loaded once per process."""
    return CrisisDetector.from_file()
