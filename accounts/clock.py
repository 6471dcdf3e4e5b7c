"""The console's clock: one seam for everything time-dependent (TOTP steps, role expiry).

Tests move it instead of waiting; nothing else should call timezone.now() for those decisions.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
