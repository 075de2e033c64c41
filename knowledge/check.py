"""`make content-check`: what a knowledge item must have before users may read it.

Fails on an item without both languages, without a dated source, with a phone number that is not
verified and current in the reference data (or one written in untappable Bangla digits), with a
link to an item that does not exist, with an example question that another item also claims, or with
a training question (an item's example or not_answered.yml) that is the same as, or a near-copy of, a
held-out question of nlu_data/test/kb/ (that would make `make eval` measure memory, not understanding);
and on a concept of content/concepts.yml that the selector could not use (`concept_problems`).
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Iterable, Optional

from knowledge.kb import (FORMS, KNOWLEDGE_INTENTS, LANGUAGES, QUESTION_SETS, ROOT, KnowledgeBase, judged_also,
                          read_yaml)
from contract.text import BANGLA_DIGITS, nfc
from safety.features import fold
from safety.text import canonical

HOTLINES_CSV = ROOT / "referral_directory" / "data" / "hotlines.csv"
HELPLINES_YML = ROOT / "content" / "helplines.yml"
REPEALED_LAWS_YML = ROOT / "content" / "repealed_laws.yml"
ID = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
LIMITS = {"question": {"en": 60, "bn": 50}, "short": 350, "detail": 1000}
MIN_EXAMPLES = 10
MAX_HELPLINES = 2
MAX_RELATED = 3
_AMOUNT = re.compile(r"(?:tk\.?|৳)\s*\d[\d,]*|\d[\d,]*\s*(?:taka|টাকা|tk)|\d{1,3}(?:,\d{3})+", re.IGNORECASE)
_NUMBER = re.compile(r"\+?\d[\d\- ]*\d|\d")
# A duration ("180 working days", "১৮০ কার্যদিবস"): a span of time, not a number to dial.
# At most three digits, never the tail of a longer number: "১০৯৮ দিনরাত" (day and night) keeps its 1098.
_DURATION = re.compile(r"(?<!\d)\d{1,3}(?!\d)\s?(?:(?:working |calendar )?(?:days?|weeks?|months?|years?|hours?)\b"
                       r"|কার্যদিবস|দিন|সপ্তাহ|মাস|বছর|ঘণ্টা)", re.IGNORECASE)
# A law's section ("s.366", "ss.84-85", "section 154", "ধারা ৩৬৬"): a fact to cite, never a number to dial.
# Sections have at most three digits, so "s.6 and 16430" still shows the 16430.
_SECTION_NUMBER = r"\d{1,3}(?!\d)[a-z]?(?:\([^)]*\))*"  # 366, 25A, 2(vii), 27(1A)
_SECTION = re.compile(rf"(?:\bss?\.\s?|\bsections?\s|ধারা\s?){_SECTION_NUMBER}(?:\s?(?:-|,|and|ও)\s?{_SECTION_NUMBER})*",
                      re.IGNORECASE)
# A training question this similar to a held-out one is a near-copy: the larger of the cosine of their folded
# character 3-5-grams and difflib's ratio on the folded words. At 0.9 it catches a word swapped or dropped
# ("how to register a death" / "how do i register a death"); paraphrases score lower.
NEAR_COPY = 0.9
_BDLAWS_ACT = re.compile(r"bdlaws\.minlaw\.gov\.bd/act-(?:details-)?(\d+)")
_SAYS_REPEALED = re.compile(r"repealed|replaced|রহিত", re.IGNORECASE)
_IP_HOST = re.compile(r"https?://\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/|$)")
_NOT_WORD = re.compile(r"[^\w\u0980-\u09ff]+")


def phone_like_numbers(text: str) -> set[str]:
    """Digit runs that could be dialled: 3+ digits, except years (1900-2099), money amounts, law sections and
    durations."""
    text = _DURATION.sub(" ", _SECTION.sub(" ", _AMOUNT.sub(" ", nfc(text).translate(BANGLA_DIGITS))))
    found = set()
    for match in _NUMBER.finditer(text):
        for token in match.group().split(" "):
            parts = token.split("-")  # "01711-123456" is one number; "15-18" and "2025-2026" are two
            joined = min(map(len, parts)) > 2 and not all(len(p) == 4 and p[:2] in ("19", "20") for p in parts)
            for digits in (["".join(parts)] if joined else parts):
                if len(digits.lstrip("+")) >= 3 and not (len(digits) == 4 and 1900 <= int(digits) <= 2099):
                    found.add(digits)
    return found


def showable_numbers(path: Path = HOTLINES_CSV) -> set[str]:
    """Numbers that the reference data marks verified=yes and current=yes."""
    with open(path, encoding="utf-8") as fh:
        return {r["number"] for r in csv.DictReader(fh) if r["verified"] == "yes" and r["current"] == "yes" and r["number"]}


def repealed_laws(path: Path = REPEALED_LAWS_YML) -> dict[str, dict]:
    """bdlaws act id -> what repealed it (content/repealed_laws.yml)."""
    return {str(act): dict(row) for act, row in ((read_yaml(path) or {}).get("acts") or {}).items()}


def check(kb: Optional[KnowledgeBase] = None, question_dirs: Optional[Iterable[Path]] = None,
          today: Optional[dt.date] = None) -> list[str]:
    """Every problem found, as 'file item: what'. Empty means the knowledge base may ship."""
    kb = kb or KnowledgeBase.load()
    today = today or dt.date.today()
    showable = showable_numbers()
    labelled = set(read_yaml(HELPLINES_YML)["helplines"])
    repealed = repealed_laws()
    problems = list(kb.problems)
    owner: dict[str, str] = {}
    for item in kb.items.values():
        where = f"{kb.topics[item.topic]['file'].name} {item.id}"
        problems += [f"{where}: {p}" for p in _item_problems(item, kb, showable, labelled, repealed, today)]
        for form, texts in item.examples.items():
            for text in texts:
                key = canonical(text)
                if owner.get(key, item.id) != item.id:
                    problems.append(f"{where}: example {text!r} is also an example of {owner[key]}")
                owner.setdefault(key, item.id)
    for form, texts in kb.not_answered.items():
        problems += [f"not_answered.yml {form}: {text!r} is an example of {owner[canonical(text)]}; an item answers it"
                     for text in texts if canonical(text) in owner]
    problems += [f"base answers: no item with id {i!r} (the general answer of that intent)"
                 for i in KNOWLEDGE_INTENTS if i not in kb.items]
    trained = dict(owner)
    trained.update({canonical(t): "not_answered.yml" for texts in kb.not_answered.values() for t in texts})
    for question_dir in QUESTION_SETS.values() if question_dirs is None else question_dirs:
        problems += _held_out_problems(kb, trained, question_dir)
    return problems + concept_problems()


def _item_problems(item, kb: KnowledgeBase, showable: set, labelled: set, repealed: dict[str, dict],
                   today: dt.date) -> list[str]:
    out = []
    if not ID.match(item.id):
        out.append("id must be lower_snake_case, 2-30 characters")
    if item.intent not in KNOWLEDGE_INTENTS:
        out.append(f"intent {item.intent!r} is not one of the knowledge intents")
    for lang in LANGUAGES:
        if not item.question[lang]:
            out.append(f"question.{lang} is missing")
        elif len(item.question[lang]) > LIMITS["question"][lang]:
            out.append(f"question.{lang} is longer than {LIMITS['question'][lang]} characters (it is a button)")
        if not item.short[lang]:
            out.append(f"answer.{lang}.short is missing")
        elif len(item.short[lang]) > LIMITS["short"]:
            out.append(f"answer.{lang}.short is longer than {LIMITS['short']} characters")
        if len(item.detail[lang]) > LIMITS["detail"]:
            out.append(f"answer.{lang}.detail is longer than {LIMITS['detail']} characters")
        for part in (item.question[lang], item.short[lang], item.detail[lang]):
            numbers = phone_like_numbers(part)
            if numbers - showable:
                out.append(f"answer.{lang}: number(s) {sorted(numbers - showable)} not verified and current")
            elif phone_like_numbers(re.sub(r"[0-9]", "x", part)):  # a number written in Bangla digits
                out.append(f"answer.{lang}: phone numbers must be in 0-9 digits, Bangla digits cannot be tapped")
    if len(item.helplines) > MAX_HELPLINES:
        out.append(f"more than {MAX_HELPLINES} helplines")
    for number in item.helplines:
        if number not in showable:
            out.append(f"helpline {number} is not verified and current in hotlines.csv")
        elif number not in labelled:
            out.append(f"helpline {number} has no label in content/helplines.yml")
    if len(item.related) > MAX_RELATED:
        out.append(f"more than {MAX_RELATED} related items")
    out += [f"related item {r!r} does not exist" for r in item.related if r not in kb.items or r == item.id]
    if not item.sources:
        out.append("no source")
    for number, source in enumerate(item.sources, start=1):
        if not source.title or not (source.url or source.ref):
            out.append(f"source {number} needs a title and a url or ref")
        if source.checked is None:
            out.append(f"source {number} has no 'checked' date (YYYY-MM-DD)")
        elif source.checked > today:
            out.append(f"source {number} 'checked' date is in the future")
        # Users see the link: it must name the publisher, not a bare server address (mirrors serve copies there).
        if _IP_HOST.match(source.url or ""):
            out.append(f"source {number} links to a bare IP address: give the publisher's own address")
        # A repealed law may be cited for its history, never as the law in force: its source must say so.
        act = _BDLAWS_ACT.search(source.url or "")
        if act and act.group(1) in repealed and not _SAYS_REPEALED.search(source.title):
            law = repealed[act.group(1)]
            out.append(f"source {number} links to the {law['name']}, repealed by the {law['by']}: say 'repealed' in "
                       f"its title and answer from act-{law['replaced_by']}")
    for form in FORMS:
        texts = item.examples.get(form, [])
        if len(texts) < MIN_EXAMPLES:
            out.append(f"examples.{form}: {len(texts)}, at least {MIN_EXAMPLES} needed")
        if len({canonical(t) for t in texts}) < len(texts):
            out.append(f"examples.{form}: the same example twice")
    return out


def _held_out_problems(kb: KnowledgeBase, trained: dict, held_out_dir: Path, readable: Optional[bool] = None) -> list[str]:
    """The question set's problems: unknown items, and questions that are (near-)copies of training examples.
    Only the development set's texts are printed (``readable``); the held-out and margins questions are named by their
    place in the file (item, form, number), so that fixing a problem does not mean reading the set. The training
    example to reword is always printed."""
    readable = held_out_dir == QUESTION_SETS["dev"] if readable is None else readable

    def shown(text: str, place: str) -> str:
        return repr(text) if readable else place

    out, held = [], []
    for path in sorted(held_out_dir.glob("*.yml")):
        path_name = f"{held_out_dir.parent.name}/{held_out_dir.name}/{path.name}"
        data = read_yaml(path)
        asked = set()
        for entry in data.get("heldout") or []:
            if entry.get("id") not in kb.items:
                out.append(f"{path_name}: held-out questions for unknown item {entry.get('id')!r}")
            for form in FORMS:
                for number, text in enumerate(entry.get(form) or [], start=1):
                    label = shown(text, f"{form} question {number}")
                    if canonical(text) in trained:
                        out.append(f"{path_name} {entry.get('id')}: held-out {label} is also a training example")
                    held.append((f"{path_name} {entry.get('id')}: held-out {label}", text))
                    asked.add(text)
        for number, (text, ids) in enumerate(judged_also(data).items(), start=1):
            label = shown(text, f"entry {number}")
            if text not in asked:
                out.append(f"{path_name}: also: {label} is none of the file's questions")
            out += [f"{path_name}: also: {label}: no item {i!r}" for i in ids or [] if i not in kb.items]
        for form, texts in (data.get("out_of_scope") or {}).items():
            for number, text in enumerate(texts or [], start=1):
                label = shown(text, f"{form} question {number}")
                if canonical(text) in trained:
                    out.append(f"{path_name}: out-of-scope {label} is a training example")
                held.append((f"{path_name}: out-of-scope {label}", text))
    held = [(where, text) for where, text in held if canonical(text) not in trained]  # reported above
    out += [f"{where} is a near-copy of the training example {example!r} ({trained[canonical(example)]}, "
            f"similarity {score:.2f}): reword or delete the training example"
            for (where, _), example, score in near_copies(held, list(trained))]
    return out


def _copy_key(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", fold(canonical(text))).split())


def near_copies(held: list[tuple[str, str]], trained: list[str], threshold: float = NEAR_COPY) -> list[tuple]:
    """((where, held-out text), training text, similarity) for each held-out text with a training text at least
    ``threshold`` similar (see NEAR_COPY); the most similar training text only."""
    if not held or not trained:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=_copy_key, sublinear_tf=True)
    cosine = (vectorizer.fit_transform(trained) @ vectorizer.transform([text for _, text in held]).T).tocsc()
    found = []
    for column, (where, text) in enumerate(held):
        start, end = cosine.indptr[column], cosine.indptr[column + 1]
        best = (0.0, "")
        for row, value in zip(cosine.indices[start:end], cosine.data[start:end]):
            if value >= 0.6:  # below, not even the words' order could make it a near-copy
                score = max(value, difflib.SequenceMatcher(None, _copy_key(trained[row]), _copy_key(text)).ratio())
                best = max(best, (float(score), trained[row]))
        if best[0] >= threshold:
            found.append(((where, text), best[1], best[0]))
    return found


def main() -> int:
    problems = check()
    kb = KnowledgeBase.load()
    for problem in problems:
        print(problem)
    examples = sum(1 for _ in kb.examples())
    print(f"{len(kb.items)} items in {len(kb.topics)} topics, {examples} example questions: "
          + (f"{len(problems)} problem(s)." if problems else "OK."))
    return 1 if problems else 0


def concept_problems(path: Optional[Path] = None) -> list[str]:
    """What is wrong with content/concepts.yml: a concept id not in lower_snake_case, a concept with fewer than two
    words, a word that is not one word (the selector looks words up one at a time), or a word listed under two
    concepts (compared as the selector compares them: lower case, Latin digits)."""
    from knowledge.features import CONCEPTS_FILE, read_concepts
    from safety.features import TOKEN_PATTERN

    path = path or CONCEPTS_FILE
    word = re.compile(TOKEN_PATTERN)
    problems, owner = [], {}
    for concept, words in read_concepts(path).items():
        where = f"{path.name} {concept}"
        if not ID.match(concept):
            problems.append(f"{where}: a concept id is lower_snake_case")
        if len(words) < 2:
            problems.append(f"{where}: a concept needs at least two words (the same meaning in another form)")
        for w in words:
            key = canonical(w)  # as the selector looks it up
            if not word.fullmatch(key):
                problems.append(f"{where}: {w!r} is not one word; it would never be found")
            elif owner.setdefault(key, concept) != concept:
                problems.append(f"{where}: {w!r} is also a word of {owner[key]}; a word belongs to one concept")
    return problems
