"""Keys of the metadata that the front ends attach to a message and the actions read."""
from __future__ import annotations

LAT, LON = "lat", "lon"  # a shared location: {"lat": .., "lon": ..} (exact; stored rounded, see referral_directory)
HANDOFF_AVAILABLE = "handoff_available"  # the front end can pass the chat to a counsellor (bot/handoff.py)
