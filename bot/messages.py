"""Loads bot/messages.yml once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from contract.text import read_yaml


@lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    return read_yaml(Path(__file__).with_name("messages.yml"))
