"""The back office: what NGO staff, partner NGOs and operators use, and no user-facing front end needs to run.

- who is staff (access.py) and the staff commands as one table (staff.py, also a CLI);
- the dashboard in the browser (dashboard/);
- anonymous trends (trends.py), their reports (reports.py) and the partner export (sharing.py);
- the deletion of stored conversations (conversations.py: /forget and /exit, and the retention purge).

It imports nothing from bot/: the front ends call into it.
"""
