"""Text normalisation shared by the resolver, the importer and the phone parser.

Imports nothing from the layers above (NFC and the digit tables come from contract/text.py): lower case,
apostrophes dropped ("Cox's" -> "coxs"), other punctuation folded to spaces, and two lossy "loose" keys
that let spelling variants meet: one for Bangla script, one (a consonant skeleton) for romanized Bangla.
"""
from __future__ import annotations

import re
from typing import List

from contract.text import BANGLA_DIGITS, is_bangla, nfc  # noqa: F401  (one home: contract/text.py)

_APOSTROPHES = re.compile(r"['’‘`´]")
_TOKEN = re.compile(r"[0-9a-z\u0980-\u09ff]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """Comparison form: NFC, lower case, Latin digits, no apostrophes, punctuation as single spaces."""
    text = _APOSTROPHES.sub("", nfc(text).lower().translate(BANGLA_DIGITS))
    text = _REPEATS.sub(r"\1", text)  # "dhakaaa" -> "dhaka"
    return " ".join(_TOKEN.findall(text))


def tokens(text: str) -> List[str]:
    """Folded words, Bangla and Latin alike (Bangla vowel signs are kept inside words)."""
    return fold(text).split()


# --- loose keys -------------------------------------------------------------------------------------
_BN_LOOSE = [
    ("য়", "\x01"),  # protect য় (য + nukta) before mapping bare য
    ("ড়", "র"), ("ঢ়", "র"), ("ঙ্গ", "ঙ"), ("ং", "ঙ"), ("ণ", "ন"), ("ী", "ি"), ("ূ", "ু"), ("শ", "স"),
    ("ষ", "স"), ("য", "জ"), ("ৎ", "ত"), ("ঁ", ""), ("্য", ""), ("\x01", "য়"), (" ", ""),
]
_LATN_DIGRAPHS = [
    ("ph", "f"), ("bh", "b"), ("dh", "d"), ("th", "t"), ("kh", "k"), ("gh", "g"), ("jh", "j"), ("ch", "c"),
    ("sh", "s"), ("ck", "k"), ("z", "j"), ("q", "k"), ("x", "ks"), ("v", "b"), ("w", "o"), ("h", ""),
]
_VOWELS = set("aeiouy")


def bangla_loose(word: str) -> str:
    """Bangla key that ignores the usual spelling variation (ণ/ন, ী/ি, শ/ষ/স, ঙ্গ/ঙ, ড়/র ...)."""
    for old, new in _BN_LOOSE:
        word = word.replace(old, new)
    return word


def latin_skeleton(word: str) -> str:
    """Consonant skeleton of a romanized word: 'jessore', 'josor', 'jashore' all give 'jsr'.

    Digraphs are merged, h dropped, vowels dropped except a leading one (kept as 'a'), doubles collapsed.
    """
    word = word.replace(" ", "")
    for old, new in _LATN_DIGRAPHS:
        word = word.replace(old, new)
    if not word:
        return ""
    out = ["a"] if word[0] in _VOWELS else []
    for ch in word:
        if ch in _VOWELS or not ch.isalpha():
            continue
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment edit distance (adjacent swaps cost 1); returns limit+1 past the limit."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: List[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = i
        ai = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def deletions(word: str, depth: int) -> set:
    """All strings reachable from word by deleting up to depth characters (SymSpell-style index keys)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1:])
        out |= nxt
        frontier = nxt
    return out
