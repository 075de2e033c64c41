"""Loads bot/messages.yml once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    with open(Path(__file__).with_name("messages.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)
