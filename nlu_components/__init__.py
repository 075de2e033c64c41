"""Custom Rasa NLU components: Bangla-aware tokenisation and the safety net.

Referenced from config.yml by module path. ``language.py`` is plain Python (no Rasa imports).
"""
