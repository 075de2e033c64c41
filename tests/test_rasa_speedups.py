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
