"""Configuration from environment variables, with embedded defaults for a local run."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))
SECRETS_DIR = VAR_DIR / "secrets"

# One Rasa server, or several replicas separated by commas (each conversation sticks to one; if it
# is down, the next one answers).
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
RASA_TIMEOUT_S = float(os.environ.get("RASA_TIMEOUT_S", "4.5"))  # < 5 s even when queued
RASA_MAX_CONCURRENT = int(os.environ.get("RASA_MAX_CONCURRENT", "32"))
# Under overload a message waits at most this long for a free slot, then gets the short "busy" reply
# with the emergency numbers instead of queueing work Rasa cannot finish in time.
RASA_QUEUE_WAIT_S = float(os.environ.get("RASA_QUEUE_WAIT_S", "1.5"))


def local_secret(name: str, env: str) -> str:
    """A secret from the environment, else one generated on first use and kept under var/secrets/
    (git-ignored, readable by the owner only)."""
    value = os.environ.get(env)
    if value:
        return value
    path = SECRETS_DIR / name
    if not path.exists():
        SECRETS_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def rasa_auth_token() -> str:
    """Protects Rasa's HTTP API (trackers, parsing); the REST chat webhook itself is local-only."""
    return local_secret("rasa_auth_token", "RASA_AUTH_TOKEN")


def sender_id_secret() -> str:
    """Key for hashing Telegram user ids before anything stores them."""
    return local_secret("sender_id_secret", "SENDER_ID_SECRET")
