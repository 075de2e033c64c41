"""The back office: what NGO staff and operators use, and no user-facing front end needs to run.

Anonymous trends (trends.py) and their reports (reports.py), and the deletion of stored conversations
(conversations.py: /forget and /exit, and the retention purge). It imports nothing from bot/: the front
ends call into it. The staff commands still live in bot/staff.py (their Telegram handlers).
"""
