"""Text features for the intent classifier and the answer selector (plain Python + scikit-learn, no Rasa).

Three views of each message, TF-IDF weighted: the words and word pairs as written (normalised), the
same after *folding*, and character n-grams of the folded text. Folding merges the spellings that
teenagers mix up: in Bangla script ী/ি, ূ/ু, ণ/ন, ষ/স/শ, য/জ, ড়/র, chandrabindu and nukta dropped; in
Banglish the silent h (bh/b, kh/k, sh/s), w/o, v/b, z/j, doubled letters. "kivabe", "kibhabe" and
"kibabe" then share most of their features, so one spelling in the training data covers the others.
"""
from __future__ import annotations

import re

import numpy as np

from sklearn.calibration import CalibratedClassifierCV
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


class CompiledFeatures:
    """The fitted TF-IDF union applied to one message with a dict lookup and a few numpy operations.

    Why: profiling Rasa under load showed scikit-learn's per-call checks and sparse-matrix building
    (check_is_fitted, the idf diagonal rebuilt per call, FeatureUnion's joblib wrapper) costing ten
    times the feature extraction itself. The arithmetic is the same: counts -> 1 + log(tf) -> x idf ->
    l2 norm per view; tests/test_rasa_speedups.py checks it against scikit-learn's transform.
    """

    def __init__(self, union: FeatureUnion) -> None:
        self.views = []
        offset = 0
        for _, tfidf in union.transformer_list:
            assert tfidf.norm in ("l2", None) and tfidf.use_idf
            self.views.append((tfidf.build_analyzer(), tfidf.vocabulary_, np.asarray(tfidf.idf_, dtype=np.float64),
                               tfidf.sublinear_tf, tfidf.norm, offset))
            offset += len(tfidf.vocabulary_)
        self.n_features = offset

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of the message's non-zero features."""
        all_columns, all_values = [], []
        for analyze, vocabulary, idf, sublinear, norm, offset in self.views:
            counts: dict[int, int] = {}
            for term in analyze(text):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                values = np.log(values) + 1
            values *= idf[columns]
            if norm == "l2":
                length = np.sqrt(np.dot(values, values))
                if length > 0:
                    values /= length
            all_columns.append(columns + offset)
            all_values.append(values)
        if not all_columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(all_columns), np.concatenate(all_values)


class CompiledCalibratedSVM:
    """The fitted calibrated LinearSVC as plain numpy: scores = x . coef + intercept, then each class's
    sigmoid calibrator, normalised as scikit-learn's _CalibratedClassifier.predict_proba does.
    Why: the same numbers without scikit-learn's per-call validation (see CompiledFeatures)."""

    def __init__(self, calibrated: CalibratedClassifierCV) -> None:
        (fitted,) = calibrated.calibrated_classifiers_  # ensemble=False: one SVM trained on all data
        svm = fitted.base_estimator
        self.classes = calibrated.classes_
        assert len(self.classes) > 2 and list(svm.classes_) == list(self.classes)
        self.coef_rows = np.ascontiguousarray(svm.coef_.T)  # feature -> per-class weights
        self.intercept = svm.intercept_.astype(np.float64)
        self.a = np.array([c.a_ for c in fitted.calibrators], dtype=np.float64)
        self.b = np.array([c.b_ for c in fitted.calibrators], dtype=np.float64)

    def scores(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values @ self.coef_rows[columns] + self.intercept

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        proba = 1.0 / (1.0 + np.exp(self.a * scores + self.b))  # expit(-(a*s + b))
        total = proba.sum()
        proba = proba / total if total != 0 else np.full_like(proba, 1 / len(proba))
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba
