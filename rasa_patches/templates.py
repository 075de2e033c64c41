"""Response templates: fill only real placeholders.

Rasa 3.6 treats any text in braces as a slot placeholder, including the JSON of a button payload
such as '/set_language{"language": "en"}'. Every greeting then failed to "fill" it and logged an
error with the slot values attached. Here only {name} placeholders made of word characters are
filled (from slots, or values an action passes); other braces are left as written.
"""
from __future__ import annotations

import re
from typing import Any, Dict

_PLACEHOLDER = re.compile(r"{(\w+)}")


def interpolate_text(response: str, values: Dict[str, Any]) -> str:
    if not isinstance(response, str):
        return response
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), response)


def apply() -> None:
    from rasa.core.nlg import interpolator

    interpolator.interpolate_text = interpolate_text  # `interpolate` looks it up here for every field
