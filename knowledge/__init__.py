"""The knowledge base (content/kb/) and the answer selector: plain Python, no Rasa, no Telegram.

Used by the action server (actions/knowledge.py), `make content-check` and `make eval`.
"""
