"""Plug-ins for the Rasa server that endpoints.yml names by module path: the tracker store and the
lock store, both configured from the environment. They run only in the server (not in training), so
changing them never requires a new model. See README "Deploying at scale"."""

import nlu_components  # noqa: F401  (applies the measured Rasa fixes in rasa_speedups.py)
from rasa_plugins import log_privacy  # noqa: E402

log_privacy.apply()

from rasa_plugins import templates  # noqa: E402

templates.apply()

from rasa_plugins import input_limits  # noqa: E402

input_limits.apply()
