"""Renders knowledge items and the "not sure" reply (plain Python, no Rasa), so they can be tested alone.

The items live in content/kb/ (loaded by ``knowledge.kb``); this module only turns one into a message:
the direct answer, the detail, where it comes from, the helpline lines in tappable digits, and the
related items as buttons. Button labels for flows live in content/buttons.yml.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from knowledge.kb import Item, KnowledgeBase, knowledge_base, read_yaml
from knowledge.selector import Choice
from safety.text import TO_BANGLA_DIGITS

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("bn", "en")
SOURCES_SHOWN = 2  # the rest stay in content/kb/ for staff; a phone screen has room for two
ITEM_ENTITY = "item"  # the entity a knowledge button carries: /<intent>{"item": "<id>"}
HEDGED_ALTERNATIVES = 2  # a hedged answer offers the next closest questions first...
MAX_BUTTONS = 4          # ...then its related items, up to this many buttons


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)


def item_payload(item: Item) -> str:
    """The button payload that opens ``item``: its intent, so trends and rules see the topic, plus its id."""
    return f"/{item.intent}" + json.dumps({ITEM_ENTITY: item.id}, separators=(",", ":"))


class AnswerBook:
    """Knowledge items rendered in the reply language, with their helplines, sources and next steps."""

    def __init__(self, kb: KnowledgeBase, helplines: dict, buttons: dict, texts: dict) -> None:
        self.kb = kb
        self.helplines: dict = helplines["helplines"]
        self.helplines_listed: dict = helplines["checked"]
        self.button_labels: dict = buttons["buttons"]
        self.texts: dict = texts["texts"]
        self.not_sure_helplines: list = texts["not_sure_helplines"]

    @classmethod
    def load(cls, content_dir: Path = CONTENT_DIR, kb: Optional[KnowledgeBase] = None) -> "AnswerBook":
        return cls(kb or knowledge_base(), read_yaml(content_dir / "helplines.yml"),
                   read_yaml(content_dir / "buttons.yml"), read_yaml(content_dir / "knowledge.yml"))

    def t(self, key: str, lang: str, **values: object) -> str:
        return self.texts[key][lang].format(**values)

    def reply(self, item_id: str, language: Optional[str]) -> Optional[Reply]:
        """The rendered item, or None when there is no such item."""
        item = self.kb.get(item_id)
        if item is None:
            return None
        lang = book_language(language)
        lines = [item.text(lang), self.source_line(item, lang)]
        lines += self.helpline_block(item.helplines, lang)
        related = [self.kb.items[i] for i in item.related if i in self.kb.items]
        return Reply("\n".join(lines), self.item_buttons(related, lang))

    def short(self, item: Item, language: Optional[str], intro: Optional[str] = None) -> Reply:
        """The item's short answer and sources, with its question as a button to the whole answer: what follows
        the reply of another flow (the emergency numbers, a service search) when the message also asked it."""
        lang = book_language(language)
        lines = ([self.t(intro, lang)] if intro else []) + [item.short[lang], self.source_line(item, lang)]
        return Reply("\n".join(lines), self.item_buttons([item], lang))

    def hedged(self, choice: Choice, language: Optional[str]) -> Reply:
        """The chosen item, introduced by the question it answers, with the other close questions first among
        the buttons: the selector was fairly but not fully sure."""
        lang = book_language(language)
        item = choice.item
        answer = self.reply(item.id, lang)
        others = [c for c in choice.candidates if c.id != item.id][:HEDGED_ALTERNATIVES]
        related = [self.kb.items[i] for i in item.related if i in self.kb.items and all(i != o.id for o in others)]
        text = "\n".join([self.t("seems_like", lang, question=item.question[lang]), answer.text, self.t("not_this", lang)])
        return Reply(text, self.item_buttons((others + related)[:MAX_BUTTONS], lang))

    def source_line(self, item: Item, lang: str) -> str:
        """Where the answer comes from: the first sources by title, and how many more are on record (a count, never a phone number, so Bangla digits)."""
        shown = "; ".join(s.title for s in item.sources[:SOURCES_SHOWN])
        more = len(item.sources) - SOURCES_SHOWN
        if more > 0:
            shown += " " + self.t("more_sources", lang, count=str(more).translate(TO_BANGLA_DIGITS) if lang == "bn" else more)
        return self.t("sources", lang, sources=shown)

    def not_sure(self, choice: Choice, language: Optional[str]) -> Reply:
        """No item fits well: say so, offer the closest items, and give the helplines and 999."""
        lang = book_language(language)
        lead = "did_you_mean" if choice.candidates else "ask_a_helpline"
        lines = [self.t("not_sure", lang), self.t(lead, lang)]
        lines += self.helpline_block(self.not_sure_helplines, lang)
        lines.append(self.t("in_danger", lang))
        return Reply("\n".join(lines), self.item_buttons(choice.candidates, lang))

    def helpline_block(self, numbers: Iterable[str], lang: str) -> list[str]:
        numbers = list(numbers)
        if not numbers:
            return []
        return [*self.helpline_lines(numbers, lang), self.t("numbers_note", lang, date=self.helplines_listed[lang])]

    def helpline_lines(self, numbers: Iterable[str], lang: str) -> list[str]:
        return [f"📞 {number}: {self.helplines[number][lang]}" for number in numbers]

    def item_buttons(self, items: Iterable[Item], lang: str) -> list[dict]:
        return [{"title": item.question[lang], "payload": item_payload(item)} for item in items]

    def buttons(self, intents: Iterable[str], language: str) -> list[dict]:
        return [{"title": self.button_labels[i][language], "payload": f"/{i}"} for i in intents]


def book_language(language: Optional[str]) -> str:
    """The reply language: the `language` slot's value, Bangla when unset."""
    return language if language in LANGUAGES else "bn"



@lru_cache(maxsize=1)
def answer_book() -> AnswerBook:
    """The shipped answers, loaded once per process."""
    return AnswerBook.load()
