from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Switchrole Console"

    def ready(self) -> None:
        from . import receivers

        # accounts (the layer below) signals what happened; the console audits it and ends the
        # role sessions that must end (console/receivers.py).
        receivers.connect()
