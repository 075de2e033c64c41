"""Two measured fixes for per-message costs inside stock Rasa 3.6 (applied by rasa_patches.apply_all).

Profiling the REST webhook with py-spy (see the issue notes) showed:
1. RemoteAction._validate_action_result builds a new jsonschema validator from the full response
   schema on every custom action call: about two thirds of the server's time per turn. We compile
   the same schema once and validate with it: the same checks, the same errors.
2. Event.resolve_by_type walks the Event class tree (all_subclasses) for every stored event when a
   tracker is loaded, so loading cost grows with conversation length. The subclasses are fixed once
   Rasa is imported; we look them up in a dictionary built once per event type name.
Both patches are idempotent and keep Rasa's behaviour, including which error a failed validation raises
(jsonschema's best_match, as stock Rasa's ``validate``); tests/test_rasa_speedups.py and
tests/test_rasa_patches.py check that.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _patch_action_validation()
    _patch_event_lookup()
    _APPLIED = True


def _patch_action_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    @lru_cache(maxsize=1)
    def compiled():
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        try:
            error = best_match(compiled().iter_errors(result))  # what jsonschema.validate raises, as stock Rasa
            if error is not None:
                raise error
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, make sure your response from the "
                f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e  # as stock Rasa does

    RemoteAction._validate_action_result = validate_action_result


def _patch_event_lookup() -> None:
    import rasa.shared.core.events as events
    from rasa.shared.utils.common import all_subclasses

    original = events.Event.resolve_by_type  # a staticmethod: a plain function here

    @lru_cache(maxsize=None)
    def by_type_name() -> Dict[Text, Type[events.Event]]:
        table: Dict[Text, Type[events.Event]] = {}
        for cls in all_subclasses(events.Event):
            table.setdefault(cls.type_name, cls)
        return table

    def resolve_by_type(type_name: Text, default: Optional[Type[events.Event]] = None):
        found = by_type_name().get(type_name)
        if found is not None:
            return found
        return original(type_name, default)  # unknown names: Rasa's own behaviour and errors

    events.Event.resolve_by_type = staticmethod(resolve_by_type)
