"""Custom actions, one module per concern. Actions stay thin: they read the tracker, call a
plain-Python service (``answer_book``, ``referral_directory``) and format the reply."""

from safety.redaction import install_stdlib_filter  # noqa: E402

install_stdlib_filter()  # rasa_sdk logs an action's exception with its message: keep only the type
