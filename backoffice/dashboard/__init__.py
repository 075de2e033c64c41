"""The staff dashboard in the browser (see app.py): mounted by the web chat at /staff/, or run alone with
``python -m backoffice.dashboard``."""
from backoffice.dashboard.app import mount
from backoffice.dashboard.common import MAX_UPLOAD_BYTES, PREFIX, Dashboard

__all__ = ["MAX_UPLOAD_BYTES", "PREFIX", "Dashboard", "mount"]
