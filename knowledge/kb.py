"""The knowledge base: one YAML file per topic in content/kb/, each holding question-and-answer items.

Plain Python (no Rasa), so that the action server, `make content-check` and `make eval` read the same
items the same way. NGO staff edit the YAML files; `knowledge.check` validates them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple, Optional

import yaml

from contract.text import read_yaml as shared_read_yaml
from safety.text import normalize_text

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "content" / "kb"
HELD_OUT_DIR = ROOT / "nlu_data" / "test" / "kb"
# The question sets, written by people who read only the items' questions and answers, never trained on:
# - test: the held-out measure (`make eval`); nobody reads its texts;
# - dev: read it to find what the examples miss (`python -m tools.evaluate --selector --set dev --show-texts`),
#   then write new examples in your own words (`make content-check` refuses near-copies of any set);
# - margins: never read; the selector's margins are chosen on it (knowledge.selector.tune_margin).
# dev and margins were written a second time on 2026-12-06, by writers told to write as people type and to avoid the
# items' own key words (1,275 questions, a third to dev, two thirds to margins): the first two sets had turned out
# easier than the held-out one. Those first sets (2,414 questions) became training examples
# (content/kb/examples/<topic>_written.yml, their out-of-scope questions in not_answered.yml).
QUESTION_SETS = {"test": HELD_OUT_DIR, "dev": ROOT / "nlu_data" / "dev" / "kb",
                 "margins": ROOT / "nlu_data" / "dev" / "kb_margins"}
EXAMPLES = "examples"  # content/kb/examples/<topic>.yml: more example questions for a topic's items
# Questions near the topics that no item answers: they teach the selector to say "not sure" (not a topic).
NOT_ANSWERED = "not_answered.yml"
LANGUAGES = ("bn", "en")
FORMS = ("bn", "en", "banglish")
# The knowledge intents of the NLU model (domain.yml). An item belongs to one of them; the item whose id
# equals the intent is that intent's general answer.
KNOWLEDGE_INTENTS = (
    "trafficking_info", "trafficking_signs", "job_offer_check", "safe_migration", "online_safety",
    "trafficking_law", "survivor_rights", "report_trafficking", "missing_child", "child_marriage_law",
    "child_marriage_harms", "report_child_marriage", "legal_aid_info", "social_protection_info",
    "stipend_info", "psychosocial_support", "reintegration_support",
)


class Question(NamedTuple):
    """A question of a question set: written for ``expected``; ``also``, other items that answer it as well, as
    judged by a reader who saw the items' answers but no output of the selector (the file's ``also:`` map)."""

    form: str
    text: str
    expected: str
    also: frozenset = frozenset()

    def answered_by(self, item_id: str) -> bool:
        return item_id == self.expected or item_id in self.also


def judged_also(data: dict) -> dict[str, frozenset]:
    """A question-set file's ``also:`` map (question text -> other item ids), its texts normalised as read_yaml
    normalises the questions themselves (read_yaml leaves mapping keys as written)."""
    return {_nfc(str(text)): frozenset(ids or ()) for text, ids in (data.get("also") or {}).items()}


def read_question_set(directory: Path = HELD_OUT_DIR) -> tuple[list[Question], list[tuple[str, str]]]:
    """One of QUESTION_SETS: its questions, and its (form, text) out-of-scope questions."""
    questions, out_of_scope = [], []
    for path in sorted(directory.glob("*.yml")):
        data = read_yaml(path)
        also = judged_also(data)
        for entry in data.get("heldout") or []:
            questions += [Question(form, text, entry["id"], also.get(text, frozenset()))
                          for form in FORMS for text in entry.get(form) or []]
        out_of_scope += [(form, text) for form, texts in (data.get("out_of_scope") or {}).items() for text in texts or []]
    return questions, out_of_scope


def read_yaml(path: Path) -> dict:
    """A content file (contract.text.read_yaml: NFC) with each line of every string trimmed to single spaces,
    so that example questions compare as typed."""
    return _nfc(shared_read_yaml(path))


def _nfc(value):
    if isinstance(value, str):
        return normalize_text(value) if "\n" not in value else "\n".join(normalize_text(line) for line in value.split("\n"))
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Source:
    title: str
    ref: str
    url: str
    checked: Optional[dt.date]


@dataclass(frozen=True)
class Item:
    """One specific question with its answer in both languages."""

    id: str
    topic: str
    intent: str
    question: dict            # language -> the question, short (button titles)
    short: dict               # language -> the direct answer
    detail: dict              # language -> the detail ("" when none)
    helplines: tuple
    related: tuple
    sources: tuple
    examples: dict = field(default_factory=dict)  # form -> example questions (training data)

    def text(self, lang: str) -> str:
        """The direct answer, then the detail, as one message: no blank lines (Rasa's channels split a reply
        into separate messages at every blank line)."""
        parts = (self.short.get(lang, ""), self.detail.get(lang, ""))
        return "\n".join(line for part in parts for line in part.split("\n") if line.strip())


@dataclass
class KnowledgeBase:
    items: dict                                   # id -> Item, in file order
    topics: dict                                  # topic -> {"title": {...}, "file": Path}
    problems: list = field(default_factory=list)  # what could not be read (shape errors)
    not_answered: dict = field(default_factory=dict)  # form -> questions near the topics that no item answers

    @classmethod
    def load(cls, directory: Path = KB_DIR) -> "KnowledgeBase":
        kb = cls({}, {})
        for path in sorted(directory.glob("*.yml")):
            if path.name == NOT_ANSWERED:
                kb._read_not_answered(path)
            else:
                kb._read_topic(path)
        for path in sorted((directory / EXAMPLES).glob("*.yml")):
            kb._read_more_examples(path)
        return kb

    def _read(self, path: Path) -> Optional[dict]:
        """The file's content, or None with the problem recorded (one broken file must not hide the rest)."""
        try:
            return read_yaml(path)
        except yaml.YAMLError as exc:
            self.problems.append(f"{path.parent.name}/{path.name}: not valid YAML: {exc}")
            return None

    def _read_more_examples(self, path: Path) -> None:
        """examples/<topic>.yml: more example questions per item id, kept apart so the topic file stays short."""
        data = self._read(path)
        if data is None:
            return
        for item_id, forms in data.items():
            item = self.items.get(str(item_id))
            if item is None or not isinstance(forms, dict):
                self.problems.append(f"examples/{path.name}: {item_id!r} is not an item id with en/bn/banglish lists")
                continue
            for form in FORMS:
                known = set(item.examples[form])
                item.examples[form].extend(t for t in dict.fromkeys(str(t) for t in forms.get(form) or []) if t not in known)

    def _read_not_answered(self, path: Path) -> None:
        data = self._read(path)
        if data is None:
            return
        if set(data) - set(FORMS):
            self.problems.append(f"{path.name}: only {', '.join(FORMS)} lists are expected")
        self.not_answered = {form: list(dict.fromkeys(str(t) for t in data.get(form) or [])) for form in FORMS}

    def _read_topic(self, path: Path) -> None:
        data = self._read(path)
        if data is None:
            return
        topic = data.get("topic") or path.stem
        self.topics[topic] = {"title": data.get("title") or {}, "file": path}
        for number, raw in enumerate(data.get("items") or [], start=1):
            where = f"{path.name} item {number} ({raw.get('id') if isinstance(raw, dict) else '?'})"
            try:
                item = _item(raw, topic)
            except (TypeError, AttributeError, KeyError, ValueError) as exc:
                self.problems.append(f"{where}: malformed ({exc.__class__.__name__}: {exc})")
                continue
            if item.id in self.items:
                self.problems.append(f"{where}: id {item.id!r} is used twice")
                continue
            self.items[item.id] = item

    def get(self, item_id: Optional[str]) -> Optional[Item]:
        return self.items.get(item_id or "")

    def examples(self) -> Iterable[tuple[str, str, str]]:
        """(item id, form, text) for every training example."""
        for item in self.items.values():
            for form, texts in item.examples.items():
                for text in texts:
                    yield item.id, form, text


def _item(raw: dict, topic: str) -> Item:
    answer = raw["answer"]
    sources = tuple(Source(str(s.get("title", "")), str(s.get("ref", "")), str(s.get("url", "")),
                           _date(s.get("checked"))) for s in raw.get("sources") or [])
    return Item(
        id=str(raw["id"]), topic=topic, intent=str(raw.get("intent", "")),
        question={lang: str(raw["question"].get(lang, "")) for lang in LANGUAGES},
        short={lang: str((answer.get(lang) or {}).get("short", "")).strip() for lang in LANGUAGES},
        detail={lang: str((answer.get(lang) or {}).get("detail", "") or "").strip() for lang in LANGUAGES},
        helplines=tuple(str(n) for n in raw.get("helplines") or []),
        related=tuple(str(r) for r in raw.get("related") or []),
        sources=sources,
        examples={form: [str(t) for t in (raw.get("examples") or {}).get(form) or []] for form in FORMS},
    )


def _date(value) -> Optional[dt.date]:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def content_hash(paths: Iterable[Path]) -> str:
    """A short sha256 over the names and contents of ``paths`` (the selector's cache key)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(f"{path.parent.name}/{path.name}".encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process."""
    return KnowledgeBase.load()
