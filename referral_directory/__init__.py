"""Referral directory: Bangladesh gazetteer, service points and hotlines, place resolution and
nearest-service search for the child-protection assistant.

Plain Python + SQLAlchemy 1.4 (2.0-style) + Alembic; imports nothing from the bot, Rasa or the actions.

Public API
----------
>>> from referral_directory import Directory, Place, Point
>>> d = Directory.open()                  # or Directory.open("postgresql+psycopg2://...")
>>> r = d.resolve("যশোরে")                # no database needed: Directory.resolve(...) / resolve_text(...)
>>> r.status, r.place.district            # 'found' | 'ambiguous' | 'not_found'
('found', 'Jashore')
>>> res = d.nearest(r.place, category="legal_aid", limit=3)   # or a Point(lat, lon), or a place name
>>> res.results[0].name_en, res.results[0].distance_km
('District Legal Aid Office, Jashore', 0.0)
>>> d.nearest(Point(23.17, 89.21), "shelter", staff=True)     # staff view: unverified rows too
>>> d.hotlines()                          # verified AND current hotlines only

``Directory.open(url=None)``: url, else ``DATABASE_URL``, else SQLite ``var/referral.db`` under the
project root. Opening migrates to head and seeds from the shipped CSVs on first use (idempotent, safe
when two processes start at once).

``resolve(text) -> Resolution``: ``status``, ``place`` (when found), ``candidates`` (readings, best
first; asked about when ambiguous). ``Place``: ``level`` ('division'|'district'|'upazila'),
``division``, ``district``, ``upazila`` (English), ``name_bn``, ``lat``, ``lon``, ``precision``
('upazila'|'district'|'division': what the point stands for), ``confidence`` (0-1, see
``referral_directory.resolve``), ``locality`` (a named town, e.g. Benapole), ``matched`` (the words used).
Typical latency: p95 well under 2 ms after a one-off ~0.4 s index build (``resolve.warm()``).

``nearest(origin, category=None, limit=3, staff=False, near_km=50) -> NearestResult``: ``origin``,
``outside`` (point outside Bangladesh), ``results`` (``ServiceResult``: ``name_en``, ``name_bn``,
``category``, ``district``, ``upazila``, ``address``, ``phones``, ``hours``, ``serves``,
``distance_km``, ``coord_precision`` ('exact'|'upazila'|'district': a 'district' result's distance
is to its district HQ), ``verified`` (a citable source states it), ``listed_on`` (when that source was
published or read), ``confirmed_on`` (when staff last confirmed it by phone or visit; None: never),
``source``), ``nationwide`` (services that cover every district, e.g. the Child Affairs Desk at any
police station) and ``widened`` (nothing within ``near_km``: the results are farther, say how far).
User-facing calls never see unverified rows or their phones; ``staff=True`` includes them with
``verified=False``.

Categories: shelter, legal_aid, social_protection, medical, counselling, police, helpline, tribunal.

Upkeep (staff; logic in ``referral_directory.upkeep``):
``import_csv(path, dry_run=False, listed_on=None, changed_by=None) -> ImportReport`` (``added``,
``changed``, ``unchanged``, ``ok``, ``problems``, ``changes``; all rows or none; every added/changed row
is logged in ``rd_service_history`` as ``changed_by``, an opaque staff id, never a name);
``export_csv(fh) -> int`` (re-importing the unchanged file changes nothing);
``history(service_id=None, limit=100)``, ``stale(today=None, months=12)``, ``coverage()`` and the
formatters ``upkeep.stale_text``, ``upkeep.history_text``, ``upkeep.coverage_text`` (lang 'en'|'bn'),
``upkeep.coverage_csv(cov, fh)``, ``upkeep.coverage_png(cov, path)``.

CLI: ``python -m referral_directory --help`` (resolve, find, import, export, stats, hotlines, history,
stale, coverage).
"""
from __future__ import annotations

from .categories import CATEGORIES
from .directory import Directory, HotlineResult, PlaceNotResolved
from .nearest import NearestResult, ServiceResult
from .places import Place, Point, Resolution
from .resolve import resolve_text

__all__ = ["Directory", "Place", "Point", "Resolution", "NearestResult", "ServiceResult", "HotlineResult",
           "PlaceNotResolved", "resolve_text", "CATEGORIES"]
