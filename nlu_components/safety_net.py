"""The last NLU step: guarantees the emergency intent for crisis messages and tags the reply language.

Runs after the classifiers, so nothing downstream (a low confidence, the fallback classifier, a wrong
intent) can hide a crisis: the rule layer in ``safety/`` overrides the intent with `emergency`.
Messages without any letter or digit (only emoji, empty) become `nlu_fallback`. A model's `emergency` for a
message that itself says its danger is not now (a film, a hypothetical, a danger that is over, a joke, with no
threat named as present: ``CrisisDetector.not_now``) gives way to the runner-up intent. The reply language is
added as a `language` entity, which fills the `language` slot.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.language import detect_language, requested_language
from safety.crisis import default_detector
from safety.text import has_words

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
SET_LANGUAGE_INTENT = "set_language"
LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyNet(GraphComponent):
    """Crisis override, no-content fallback and reply-language tagging."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyNet":
        default_detector()  # load the phrase list at start-up, not on the first message
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            match = default_detector().detect(text)
            if match is not None:
                logger.info("crisis rule matched (%s)", match.form)  # the rule's form, never the text
                _override_intent(message, EMERGENCY_INTENT)
            elif not has_words(text):
                _override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            elif (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT and default_detector().not_now(text):
                logger.info("model's emergency overruled: the message says the danger is not now")  # never the text
                _demote(message, EMERGENCY_INTENT)
            _tag_language(message, text)
        return messages


def _override_intent(message: Message, name: Text) -> None:
    intent = {"name": name, "confidence": 1.0}
    ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)


def _demote(message: Message, name: Text) -> None:
    """The runner-up intent instead of ``name``, which goes last in the ranking (nlu_fallback when none is left)."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    others = [i for i in ranking if i.get("name") != name]
    demoted = [i for i in ranking if i.get("name") == name]
    top = others[0] if others else {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [*(others or [top]), *demoted], add_to_output=True)


def _tag_language(message: Message, text: Text) -> None:
    entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_ENTITY]
    intent_name = (message.get(INTENT) or {}).get("name")
    language: Optional[str]
    if intent_name == SET_LANGUAGE_INTENT:
        learned = [e.get("value") for e in message.get(ENTITIES) or [] if e.get("entity") == LANGUAGE_ENTITY]
        language = requested_language(text) or next((v for v in learned if v in ("bn", "en")), None)
    else:
        language = detect_language(text)
    if language:
        entities.append(
            {"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": len(text),
             "confidence_entity": 1.0, "extractor": "SafetyNet"}
        )
    message.set(ENTITIES, entities, add_to_output=True)
