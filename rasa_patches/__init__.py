"""Every change we make inside Rasa 3.6, in one place, applied by ``apply_all()``.

Rasa is pinned (requirements.txt); these patches replace attributes of its modules and classes, so a Rasa
upgrade that renamed or removed one would silently undo a fix or a privacy guarantee. ``apply_all()``
therefore checks the Rasa version and that every attribute it patches exists and is callable before it
changes anything, and fails loudly otherwise. Tests (tests/test_rasa_patches.py) drive Rasa's own code
paths and check that each patched function is the one Rasa calls.

- speedups: action results validated with a schema compiled once; event classes looked up in a table
  (measured costs, docs/benchmarks.md).
- templates: response templates fill only real {placeholders}, never a button payload's JSON.
- log_privacy: no user data in Rasa's logs (structlog processor; stdlib filter from safety.redaction).
- input_limits: Rasa's REST webhook cuts text to the front ends' limit.

Called by nlu_components (training and the NLU pipeline) and rasa_plugins (the server's plug-ins).
"""
from __future__ import annotations

import importlib
from typing import List, Tuple

RASA_VERSION = "3.6.21"
# (module, attribute path) of everything the patches replace or wrap
PATCHED: List[Tuple[str, str]] = [
    ("rasa.core.actions.action", "RemoteAction._validate_action_result"),
    ("rasa.shared.core.events", "Event.resolve_by_type"),
    ("rasa.core.nlg.interpolator", "interpolate_text"),
    ("rasa.core.channels.rest", "RestInput._extract_message"),
]
_APPLIED = False


def check_targets() -> None:
    """Raise RuntimeError unless this is the Rasa we patch and every patched attribute exists."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(f"rasa_patches are written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
                           "check every patch against the new version before changing RASA_VERSION")
    for module_name, path in PATCHED:
        target = importlib.import_module(module_name)
        for name in path.split("."):
            target = getattr(target, name, None)
            if target is None:
                raise RuntimeError(f"rasa_patches: {module_name}.{path} not found in Rasa {rasa.__version__}")
        if not callable(target):
            raise RuntimeError(f"rasa_patches: {module_name}.{path} is not callable in Rasa {rasa.__version__}")


def apply_all() -> None:
    """Check, then apply every patch (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    check_targets()
    from rasa_patches import input_limits, log_privacy, speedups, templates

    speedups.apply()
    templates.apply()
    log_privacy.apply()
    input_limits.apply()
    _APPLIED = True
