"""`python manage.py cleanup`: the server's periodic housekeeping, run once now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from console import maintenance


class Command(BaseCommand):
    help = (
        "End expired and orphaned role sessions (wiping their credentials), prune throttle rows, "
        "expired browser sessions and old brokered-credential records."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Cleaned up: {maintenance.cleanup()}")
