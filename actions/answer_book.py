"""The knowledge answers, loaded from content/ (plain Python, no Rasa), so they can be tested alone.

NGO staff edit ``content/answers.yml``; this module only renders it: the answer text in the reply
language, the helpline lines after it, and next-step buttons.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("bn", "en")
_HELPLINES_CHECKED = {"en": "Numbers last checked: {date}.", "bn": "নম্বরগুলো সর্বশেষ যাচাই: {date}।"}


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)


class AnswerBook:
    """Answers by intent name, in Bangla and English, with their helplines and next steps."""

    def __init__(self, answers: dict, helplines: dict) -> None:
        self.answers: dict = answers["answers"]
        self.button_labels: dict = answers["buttons"]
        self.helplines: dict = helplines["helplines"]
        self.helplines_checked: dict = helplines["checked"]

    @classmethod
    def load(cls, content_dir: Path = CONTENT_DIR) -> "AnswerBook":
        def read(name: str) -> dict:
            with open(content_dir / name, encoding="utf-8") as fh:
                return yaml.safe_load(fh)

        return cls(read("answers.yml"), read("helplines.yml"))

    def intents(self) -> list[str]:
        return list(self.answers)

    def reply(self, intent: str, language: Optional[str]) -> Optional[Reply]:
        """The rendered answer for ``intent``, or None when there is no such answer."""
        entry = self.answers.get(intent)
        if entry is None:
            return None
        lang = language if language in LANGUAGES else "bn"
        lines = [entry[lang].strip(), ""]
        lines += [f"📞 {number}: {self.helplines[number][lang]}" for number in entry.get("helplines", [])]
        lines.append(_HELPLINES_CHECKED[lang].format(date=self.helplines_checked[lang]))
        return Reply("\n".join(lines), self.buttons(entry.get("next", []), lang))

    def buttons(self, intents: list[str], language: str) -> list[dict]:
        return [{"title": self.button_labels[i][language], "payload": f"/{i}"} for i in intents]


@lru_cache(maxsize=1)
def answer_book() -> AnswerBook:
    """The shipped answers, loaded once per process."""
    return AnswerBook.load()
