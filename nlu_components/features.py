"""Text features for intent classification (plain Python + scikit-learn, no Rasa).

Three views of each message, TF-IDF weighted: the words and word pairs as written (normalised), the
same after *folding*, and character n-grams of the folded text. Folding merges the spellings that
teenagers mix up: in Bangla script ী/ি, ূ/ু, ণ/ন, ষ/স/শ, য/জ, ড়/র, chandrabindu and nukta dropped; in
Banglish the silent h (bh/b, kh/k, sh/s), w/o, v/b, z/j, doubled letters. "kivabe", "kibhabe" and
"kibabe" then share most of their features, so one spelling in the training data covers the others.
"""
from __future__ import annotations

import re

import numpy as np

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from safety.text import canonical

TOKEN_PATTERN = r"(?u)[\w\u0980-\u09ff\u200c\u200d]+"
_BANGLA_FOLD = str.maketrans({"ী": "ি", "ূ": "ু", "ণ": "ন", "ষ": "শ", "স": "শ", "ঋ": "রি", "ঈ": "ই", "ঊ": "উ",
                              "ঙ": "ং", "ঁ": None, "\u09bc": None, "ৎ": "ত", "য": "জ", "ড": "র", "ঢ": "র"})
_LATIN_FOLDS = (("w", "o"), ("v", "b"), ("z", "j"), ("q", "k"), ("ph", "f"), ("ee", "i"), ("oo", "u"), ("y", "i"))
_SILENT_H = re.compile(r"(?<=[a-z])h")
_DOUBLE = re.compile(r"([a-z])\1+")


def prepare(text: str) -> str:
    """The normalised message the features are computed on."""
    return canonical(text)


def fold(text: str) -> str:
    """Spelling-insensitive form of prepared text (see module docstring)."""
    text = _SILENT_H.sub("", text.translate(_BANGLA_FOLD))
    for a, b in _LATIN_FOLDS:
        text = text.replace(a, b)
    return _DOUBLE.sub(r"\1", text)


def _folded(text: str) -> str:  # module-level so that the fitted vectoriser pickles
    return fold(text)


def vectorizer(word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5)) -> FeatureUnion:
    common = {"sublinear_tf": True, "lowercase": False, "dtype": np.float64}
    return FeatureUnion([
        ("words", TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=word_ngrams, **common)),
        ("folded_words", TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=word_ngrams,
                                         preprocessor=_folded, **common)),
        ("folded_chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, preprocessor=_folded, **common)),
    ])
