"""Plug-ins for the Rasa server that endpoints.yml and credentials.yml name by module path: the tracker
store, the lock store and the REST channel, configured from the environment. They run only in the
server (not in training), so changing them never requires a new model. See README "Deploying at scale".
"""

import rasa_patches

rasa_patches.apply_all()  # our changes inside Rasa (speed, templates, log privacy, input limits)
