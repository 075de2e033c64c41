"""The Rasa speed-ups keep Rasa's behaviour: same validation outcome, same event classes."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError

import nlu_components  # noqa: F401  (applies the patches, as in the Rasa server)
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses


def test_action_results_are_validated_as_before() -> None:
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_event_types_resolve_to_the_same_classes() -> None:
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is next(c for c in all_subclasses(Event) if c.type_name == cls.type_name)
    assert Event.resolve_by_type("user") is UserUttered and Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    restored = Event.from_parameters(ActionExecuted("utter_greet").as_dict())
    assert restored == ActionExecuted("utter_greet") and isinstance(Event.from_parameters(SessionStarted().as_dict()), SessionStarted)


def _trained_classifier():
    """The intent classifier from the trained model archive, as Rasa loads it."""
    import pickle
    import tarfile

    from nlu_components.classifier import MODEL_FILE, SparseIntentClassifier
    from tools.model import model_path

    with tarfile.open(model_path()) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
        pipeline = pickle.load(archive.extractfile(member))  # our own artefact from `make train`
    return SparseIntentClassifier({}, None, None, pipeline)


def test_compiled_classifier_gives_scikit_learns_numbers() -> None:
    import numpy as np

    from contract.text import nlu_examples
    from nlu_components.classifier import _classifier_text
    from tools.model import ROOT

    texts = ["", "???", "ঢাকা " * 300]
    for path in sorted((ROOT / "nlu_data" / "test").glob("*.yml")):
        texts += nlu_examples(path)
    assert len(texts) > 1000
    classifier = _trained_classifier()
    features, model = classifier._compiled
    scores, probabilities = classifier.reference_scores(texts)
    for i, text in enumerate(texts):
        fast_scores = model.scores(*features.transform_one(_classifier_text(text)))
        np.testing.assert_allclose(fast_scores, scores[i], rtol=0, atol=1e-9)
        np.testing.assert_allclose(model.probabilities(fast_scores), probabilities[i], rtol=0, atol=1e-9)
        assert np.argmax(fast_scores) == np.argmax(scores[i])
