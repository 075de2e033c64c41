"""Keys that must stay the same across restarts, and the shared secret on Rasa's webhook.

Local runs generate them once under VAR_DIR/secrets (git-ignored, owner-only); in webhook or container
mode, where VAR_DIR does not survive a restart, they must come from the environment (security review,
findings 3 and 4).
"""
from __future__ import annotations

import os
import secrets
from typing import Optional

from contract.paths import VAR_DIR

SECRETS_DIR = VAR_DIR / "secrets"
MIN_KEY_BYTES = 32


class SecretMissing(RuntimeError):
    """A key that must stay the same across restarts is not configured (webhook or container mode)."""


def deployed_mode() -> Optional[str]:
    """"webhook" or "container" when var/ cannot be trusted to keep a generated key (containers start
    with an empty var/; a webhook bot is a service), else None for a local run. The image sets
    SUROKKHA_CONTAINER=1; Kubernetes sets KUBERNETES_SERVICE_HOST in every pod."""
    if os.environ.get("TELEGRAM_WEBHOOK_URL"):
        return "webhook"
    if os.environ.get("SUROKKHA_CONTAINER") or os.environ.get("KUBERNETES_SERVICE_HOST"):
        return "container"
    return None


def local_secret(name: str, env: str, stable: bool = False) -> str:
    """A secret from the environment, else one generated on first use and kept under var/secrets/
    (git-ignored, readable by the owner only). A ``stable`` secret (one whose change breaks stored
    data or another process) is never generated in webhook or container mode, and must be at least
    MIN_KEY_BYTES there: a fresh random key after every restart fails silently."""
    value = os.environ.get(env)
    mode = deployed_mode() if stable else None
    if mode and len((value or "").encode()) < MIN_KEY_BYTES:
        problem = "is not set" if not value else f"is shorter than {MIN_KEY_BYTES} bytes"
        raise SecretMissing(f"{env} {problem}. In {mode} mode it must be set to a stable key of at least "
                            f"{MIN_KEY_BYTES} bytes (make one: python3 -c 'import secrets; print(secrets.token_hex(32))'); "
                            "a generated one would change at every restart.")
    if value:
        return value
    path = SECRETS_DIR / name
    if not path.exists():
        SECRETS_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


RASA_WEBHOOK_SECRET_HEADER = "X-Surokkha-Webhook-Secret"  # the bridge sends it, rasa_plugins/rest_channel.py checks it


def rasa_webhook_secret() -> Optional[str]:
    """Shared secret between the front ends and Rasa's REST webhook. Required (32+ bytes) in webhook or
    container mode, where Rasa is reachable by other pods; None on a local run without it."""
    if deployed_mode() or os.environ.get("RASA_WEBHOOK_SECRET"):
        return local_secret("rasa_webhook_secret", "RASA_WEBHOOK_SECRET", stable=True)
    return None


def sender_id_secret() -> str:
    """Key for hashing Telegram user ids before anything stores them. If it changed, /forget and
    /exit would find nothing to delete and STAFF_IDS would stop matching: it must be stable."""
    return local_secret("sender_id_secret", "SENDER_ID_SECRET", stable=True)


def check_sender_id_secret() -> Optional[str]:
    """Call at start-up: raises SecretMissing in webhook or container mode without a stable key; for a
    local run on the generated key, returns the notice to show (None when SENDER_ID_SECRET is set)."""
    sender_id_secret()
    if os.environ.get("SENDER_ID_SECRET"):
        return None
    return (f"SENDER_ID_SECRET is not set: using the key generated in {SECRETS_DIR / 'sender_id_secret'} "
            "(local runs only; deleting it unlinks every stored conversation and STAFF_IDS entry).")
