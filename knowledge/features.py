"""The answer selector's text features: the intent classifier's three views (safety/features.py) and a fourth.

safety/features.py is shared with crisis detection, whose guarantee must not move, so the selector takes
a fresh copy of those three views from there and adds its fourth here, leaving the intent features as they
are. Views, each TF-IDF weighted and l2-normalised:
- the words and word pairs as written, and the same after folding (safety.features.fold: ী/ি, ষ/স/শ,
  the silent h of Banglish, w/o, doubled letters...);
- character n-grams (2-5, inside word boundaries) of the folded text;
- character n-grams (2-5) of the text as written: the folding merges spellings, but also letters that
  tell items apart (শিশু/শিশুর, "court"/"case"); with both views the selector keeps both kinds of evidence.
Measured with `python -m tools.evaluate --selector` (docs/evaluation.md): the fourth view raised the held-out
top-1 item accuracy from 0.777 to 0.795.
"""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from safety.features import vectorizer as intent_views


def vectorizer(word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5)) -> FeatureUnion:
    """The intent classifier's three views (a new, unfitted union) plus character n-grams as written."""
    union = intent_views(word_ngrams, char_ngrams)
    union.transformer_list.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams,
                                                            sublinear_tf=True, lowercase=False, dtype=np.float64)))
    return union
