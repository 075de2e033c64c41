"""Whitespace tokenisation with the normalisation Bangla input needs.

Token texts are normalised (NFC, Latin digits, stretched letters collapsed) while their offsets still
point into the user's original text, so entity spans stay right. Very long messages are capped so one
4,000-character paste cannot slow everyone down; the safety net still reads the whole text.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from safety.text import BANGLA_DIGITS, collapse_repeats, normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalizingWhitespaceTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer (Unicode-aware via `regex`) plus Bangla-safe normalisation."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "max_tokens": 200}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)[: self._config["max_tokens"]]
        for token in tokens:
            token.text = collapse_repeats(normalize_text(token.text).translate(BANGLA_DIGITS)) or token.text
            token.lemma = token.text
        return tokens
