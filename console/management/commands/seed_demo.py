from django.conf import settings
from django.core.management.base import BaseCommand

from console.emulator import world


class Command(BaseCommand):
    help = "Create the demo world in the console's database (idempotent; keeps changes people made)."

    def handle(self, *args, **options) -> None:
        result = world.seed_database(settings.DEMO_PASSWORD)
        for line in result.created:
            self.stdout.write(f"created {line}")
        if result.password and not settings.DEMO_PASSWORD:
            self.stdout.write(f"Demo users' password: {result.password}")
