"""Configuration from environment variables, with embedded defaults for a local run."""
from __future__ import annotations

import os

from contract.paths import ROOT, VAR_DIR  # noqa: F401  (the bot's settings, read from one home)
from contract.secrets import (SECRETS_DIR, SecretMissing, check_sender_id_secret, deployed_mode,  # noqa: F401
                              local_secret, rasa_webhook_secret, sender_id_secret)

# One Rasa server, or several replicas separated by commas (each conversation sticks to one; if it
# is down, the next one answers).
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
RASA_TIMEOUT_S = float(os.environ.get("RASA_TIMEOUT_S", "4.5"))  # < 5 s even when queued
RASA_MAX_CONCURRENT = int(os.environ.get("RASA_MAX_CONCURRENT", "32"))
# Under overload a message waits at most this long for a free slot, then gets the short "busy" reply
# with the emergency numbers instead of queueing work Rasa cannot finish in time.
RASA_QUEUE_WAIT_S = float(os.environ.get("RASA_QUEUE_WAIT_S", "1.5"))
