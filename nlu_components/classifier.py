"""Intent classifier: TF-IDF word and character features with a calibrated linear SVM.

Why not DIET: on these machines (2 cores, no GPU) DIET needs many minutes to train and TensorFlow at
run time (~35 s to load, 1.4 GB). This classifier trains in seconds, parses a message in about a
millisecond, loads at once, and was more accurate on our held-out set (see docs/evaluation.md).
Confidences are calibrated (sigmoid, fitted on 3 folds; the SVM itself is trained on all data), so the FallbackClassifier threshold means something;
crisis detection never relies on them (see safety_net.py).
"""
from __future__ import annotations

import logging
import pickle

import numpy as np
from typing import Any, Dict, List, Optional, Text

from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from safety.features import CompiledCalibratedSVM, CompiledFeatures, prepare, vectorizer
from nlu_components.places import mask_places

logger = logging.getLogger(__name__)
MODEL_FILE = "intent_classifier.pkl"


def _classifier_text(text: str) -> str:
    """Normalised text with any place name replaced by a placeholder (see places.py)."""
    return mask_places(prepare(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SparseIntentClassifier(GraphComponent, IntentClassifier):
    """Classifies the message text directly; needs no featurizer before it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 1.0, "word_ngrams": [1, 2], "char_ngrams": [2, 5], "ranking_length": 10, "random_seed": 42}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 pipeline: Optional[Pipeline] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline
        self._compiled: Optional[tuple] = None
        if pipeline is not None:
            self._compiled = (CompiledFeatures(pipeline.named_steps["features"]),
                              CompiledCalibratedSVM(pipeline.named_steps["classifier"]))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SparseIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        texts = [_classifier_text(e.get(TEXT)) for e in examples]
        labels = np.asarray([e.get(INTENT) for e in examples])  # CalibratedClassifierCV needs an array
        svm = LinearSVC(C=self.config["C"], class_weight="balanced", random_state=self.config["random_seed"])
        self.pipeline = Pipeline([
            ("features", vectorizer(tuple(self.config["word_ngrams"]), tuple(self.config["char_ngrams"]))),
            ("classifier", CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)),
        ]).fit(texts, labels)
        self._compiled = (CompiledFeatures(self.pipeline.named_steps["features"]),
                          CompiledCalibratedSVM(self.pipeline.named_steps["classifier"]))
        with self._model_storage.write_to(self._resource) as directory:
            with open(directory / MODEL_FILE, "wb") as fh:
                pickle.dump(self.pipeline, fh)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SparseIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                with open(directory / MODEL_FILE, "rb") as fh:
                    # Our own artefact, written by train() into the model archive we built.
                    return cls(config, model_storage, resource, pickle.load(fh))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier in the model; every message will fall back.")
            return cls(config, model_storage, resource)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._compiled is None:
            return messages
        features, model = self._compiled
        for message in messages:
            scores = model.scores(*features.transform_one(_classifier_text(message.get(TEXT) or "")))
            probability = model.probabilities(scores)
            # Rank by the SVM's own scores (per-class calibration may reorder close classes and cost
            # accuracy); report the calibrated probability as the confidence.
            order = np.argsort(-scores)
            ranking = [{"name": str(model.classes[i]), "confidence": float(probability[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def reference_scores(self, texts: List[str]) -> tuple:
        """scikit-learn's own (scores, probabilities) for ``texts``: what the compiled path must equal."""
        features = self.pipeline.named_steps["features"].transform([_classifier_text(t) for t in texts])
        calibrated = self.pipeline.named_steps["classifier"]
        return (calibrated.calibrated_classifiers_[0].base_estimator.decision_function(features),
                calibrated.predict_proba(features))
