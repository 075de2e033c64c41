"""Safety layer shared by every tier: text normalisation and crisis detection.

Plain Python with no Rasa or Telegram imports, so that the NLU pipeline, the Telegram bot and the
tests all apply exactly the same rules. The crisis phrases live in ``crisis_terms.yml``.
"""
from safety.crisis import CrisisDetector, CrisisMatch, default_detector
from safety.text import match_key, normalize_text

__all__ = ["CrisisDetector", "CrisisMatch", "default_detector", "match_key", "normalize_text"]
