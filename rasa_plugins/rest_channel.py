"""Rasa's REST channel with a shared secret (security review, finding 4).

Stock RestInput accepts a POST to /webhooks/rest/webhook from anyone who can reach Rasa, as any sender
hash. This subclass keeps the same name and URL ("rest") and refuses (403) a request whose
RASA_WEBHOOK_SECRET_HEADER does not carry RASA_WEBHOOK_SECRET; the bridge (bot/rasa_bridge.py) sends
it. In container or webhook mode the secret is required (at least 32 bytes) and Rasa refuses to start
without it; on a local run without it the channel stays open (Rasa listens on 127.0.0.1 only there;
`make run` sets one anyway). credentials.yml names this class; NetworkPolicies (deploy/helm) add a
second fence in Kubernetes.
"""
from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from contract.secrets import RASA_WEBHOOK_SECRET_HEADER, rasa_webhook_secret


class SecretRestInput(RestInput):
    """RestInput ("rest", same routes) that checks the shared secret before anything reads the body."""

    def __init__(self, secret: Optional[str] = None) -> None:
        self.secret = secret if secret is not None else rasa_webhook_secret()  # raises when required and missing

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "SecretRestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        if self.secret:
            expected = self.secret.encode()

            @webhook.middleware("request")
            async def check_secret(request: Request) -> Optional[response.HTTPResponse]:
                if request.method == "GET":  # the channel's health route says nothing about anyone
                    return None
                given = (request.headers.get(RASA_WEBHOOK_SECRET_HEADER) or "").encode()
                if not hmac.compare_digest(given, expected):
                    return response.json({"error": "forbidden"}, status=403)
                return None
        return webhook
