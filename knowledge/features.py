"""The answer selector's text features: the intent classifier's three views (safety/features.py) and two more.

safety/features.py is shared with crisis detection, whose guarantee must not move, so the selector takes
a fresh copy of those three views from there and adds its own here, leaving the intent features as they
are. Views, each TF-IDF weighted and l2-normalised:
- the words and word pairs as written, and the same after folding (safety.features.fold: ী/ি, ষ/স/শ,
  the silent h of Banglish, w/o, doubled letters...);
- character n-grams (2-5, inside word boundaries) of the folded text;
- character n-grams (2-5) of the text as written: the folding merges spellings, but also letters that
  tell items apart (শিশু/শিশুর, "court"/"case"); with both views the selector keeps both kinds of evidence;
- the message's concepts (content/concepts.yml): "বিয়ে", "biye" and "marriage" are all `marriage`, so an
  example question written in one form also teaches the others, and a synonym the examples never used still counts.
Measured with `python -m tools.evaluate --selector` (docs/evaluation.md): the fourth view raised the held-out
top-1 item accuracy from 0.777 to 0.795; the concepts, from 0.793 to 0.818 (right item answered 0.687 -> 0.724).
Concept word pairs (0.807) and keeping the words that have no concept beside the concepts (0.803) did less.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from contract.text import is_bangla, read_yaml
from safety.features import TOKEN_PATTERN
from safety.features import vectorizer as intent_views
from safety.text import canonical

CONCEPTS_FILE = Path(__file__).resolve().parent.parent / "content" / "concepts.yml"
# Endings tried, longest first, when a word is not in the lexicon as written: Bangla case endings, articles and
# plurals; their Banglish spellings; English plural and verb endings.
_BANGLA_ENDINGS = tuple(sorted(("র", "এর", "ের", "কে", "তে", "য়", "রা", "দের", "টা", "টি", "গুলো", "ে", "টার", "টাকে",
                                "টির", "েরা", "ও", "ই"), key=len, reverse=True))
_LATIN_ENDINGS = tuple(sorted(("r", "er", "ke", "te", "e", "ra", "der", "ta", "ti", "gulo", "gula", "s", "es", "ed",
                               "ing", "o", "i", "rao", "erao"), key=len, reverse=True))
_WORD = re.compile(TOKEN_PATTERN)


def read_concepts(path: Path = CONCEPTS_FILE) -> dict[str, list[str]]:
    """concept id -> its words as the file lists them (NFC: read_yaml); callers compare them with canonical()."""
    return {str(concept): [str(word) for word in words or []] for concept, words in (read_yaml(path) or {}).items()}


@lru_cache(maxsize=1)
def concept_lexicon() -> dict[str, str]:
    """word -> concept id (the first concept that lists it; `make content-check` refuses a word in two)."""
    lexicon: dict[str, str] = {}
    for concept, words in read_concepts().items():
        for word in words:
            lexicon.setdefault(canonical(word), concept)  # as the prepared message has it: "১৮" -> "18"
    return lexicon


def concept_of(word: str, lexicon: dict[str, str]) -> Optional[str]:
    """The word's concept, as written or without one common ending (at least two letters left)."""
    if word in lexicon:
        return lexicon[word]
    for ending in _BANGLA_ENDINGS if is_bangla(word) else _LATIN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 2 and word[:-len(ending)] in lexicon:
            return lexicon[word[:-len(ending)]]
    return None


def concepts(text: str) -> str:
    """The prepared message as its concepts, in order ("C_marriage C_law"); words with no concept are left out.
    Module-level so that the fitted vectoriser pickles."""
    lexicon = concept_lexicon()
    return " ".join(f"C_{c}" for c in (concept_of(word, lexicon) for word in _WORD.findall(text)) if c)


def vectorizer(word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5)) -> FeatureUnion:
    """The intent classifier's three views (a new, unfitted union), character n-grams as written, and concepts."""
    union = intent_views(word_ngrams, char_ngrams)
    common = {"sublinear_tf": True, "lowercase": False, "dtype": np.float64}
    union.transformer_list += [
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, **common)),
        ("concepts", TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 1), preprocessor=concepts, **common)),
    ]
    return union
