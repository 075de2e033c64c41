"""Custom Rasa NLU components: Bangla-aware tokenisation and the safety net.

Referenced from config.yml by module path. ``language.py`` is plain Python (no Rasa imports).
"""

from nlu_components import rasa_speedups

rasa_speedups.apply()  # measured fixes inside Rasa's own per-message path; see rasa_speedups.py
