from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Switchrole Console"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import switching

        def signed_out(sender, request, user, **kwargs) -> None:  # noqa: ANN001, ANN003
            switching.on_signed_out(request, user)

        # Every way out (the console's Sign out, the admin's Log out) ends the role session.
        user_logged_out.connect(signed_out, weak=False, dispatch_uid="console.signed_out")
