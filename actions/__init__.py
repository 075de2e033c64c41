"""Custom actions, one module per concern. Actions stay thin: they read the tracker, call a
plain-Python service (``answer_book``, ``referral_directory``) and format the reply."""
