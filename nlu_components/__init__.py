"""Custom Rasa NLU components: Bangla-aware tokenisation and the safety net.

Referenced from config.yml by module path. ``language.py`` is plain Python (no Rasa imports).
"""

import rasa_patches

rasa_patches.apply_all()  # our changes inside Rasa, checked against its version first; see rasa_patches/
