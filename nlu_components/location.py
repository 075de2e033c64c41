"""Fills the `location` entity from the gazetteer (any script, spelling, or Bangla case ending)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.places import find_place
from referral_directory import resolve

LOCATION_ENTITY = "location"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LocationExtractor(GraphComponent, EntityExtractorMixin):
    """Adds at most one `location` entity: the words that name a Bangladeshi place."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LocationExtractor":
        resolve.warm()  # build the gazetteer index at start-up, not on the first message
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            mention = find_place(message.get(TEXT) or "")
            if mention is None:
                continue
            entity = {"entity": LOCATION_ENTITY, "value": mention.text, "start": mention.start, "end": mention.end,
                      "confidence_entity": mention.confidence, "extractor": self.__class__.__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
