"""`make demo`: the console on the embedded AWS emulator, seeded with the demo world.

Runs two child processes (the moto server and the console's web server, gunicorn as in
production: console/webserver.py) and supervises them: Ctrl-C stops both; when the web server
exits, the emulator is stopped too; when the emulator dies, it is started again on the same port
and seeded again from the database while the console keeps serving. Each seeding creates new
broker keys, so they reach the web server through a file (mode 0600,
AWS_BROKER_CREDENTIALS_FILE) that the console re-reads when it changes; role sessions holding
credentials of the old emulator are ended when the backend rejects them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from console import demo_env, webserver
from console.emulator import seeding, world
from console.emulator.server import Emulator, EmulatorError, port_is_free

PASSWORD_FILE = settings.VAR_DIR / "demo_password"
RESTART_DELAYS = (0, 1, 2, 5, 10)  # seconds between attempts to bring a dead emulator back
RESTART_GRACE_SECONDS = 1  # after the emulator dies, before restarting it (is it a Ctrl-C?)


def broker_credentials_file() -> Path:
    return Path(settings.AWS_BROKER_CREDENTIALS_FILE or settings.VAR_DIR / "broker-credentials.json")


def seed(emulator: Emulator) -> None:
    """Build the demo world in a fresh emulator, turn IAM auth on, hand the broker's new keys
    to the web server."""
    key_id, secret = world.seed_emulator(emulator.url)
    emulator.enable_auth()
    seeding.write_broker_credentials(broker_credentials_file(), key_id, secret)


def remembered_password() -> str | None:
    """Without DEMO_PASSWORD, a generated password is remembered in var/demo_password (mode 0600)
    so that later starts can print it again."""
    return PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else None


def seed_database() -> tuple[str | None, bool]:
    """Seed the demo world into the database. Returns the password to print and whether it may
    have been changed in the console since (it was not set by this run)."""
    given = settings.DEMO_PASSWORD
    remembered = remembered_password()
    result = world.seed_database(given, initial_password=remembered)
    if result.password and not given and result.password != remembered:
        PASSWORD_FILE.touch(mode=0o600)
        PASSWORD_FILE.write_text(result.password)
    return result.password or remembered, not result.password and not given


def start_emulator() -> Emulator:
    """Start the emulator (EMULATOR_PORT, or a free port) and seed it."""
    emulator = Emulator(
        port=int(os.environ.get("EMULATOR_PORT", "0")) or None, log_path=settings.VAR_DIR / "emulator.log"
    )
    try:
        emulator.start()
        seed(emulator)
    except (EmulatorError, OSError) as exc:
        emulator.stop()
        raise CommandError(f"Could not start the AWS emulator: {exc}") from None
    return emulator


def web_environment(port: int, emulator_url: str) -> dict[str, str]:
    """The web server's environment: the emulator as AWS, the broker's keys from their file."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": emulator_url,
        "AWS_BROKER_CREDENTIALS_FILE": str(broker_credentials_file()),
        "SECURE_COOKIES": os.environ.get("SECURE_COOKIES", "false"),  # plain HTTP on loopback
        "CONSOLE_BASE_URL": os.environ.get("CONSOLE_BASE_URL", f"http://127.0.0.1:{port}"),
        # Emails (switch links) land as files a newcomer can open.
        "EMAIL_URL": os.environ.get("EMAIL_URL", "filemail:///var/mail"),
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)  # the broker's keys come from the file, and change with each seeding
    env["HOST"] = "127.0.0.1"  # plain HTTP, insecure cookies: loopback only
    return env


def write_aws_config(console_url: str, emulator_url: str) -> str:
    """An ~/.aws/config for this run: STS goes to the console, S3 to the emulator. No secrets:
    put alice's console access key in ~/.aws/credentials under [alice]."""
    path = settings.VAR_DIR / "aws-config"
    path.write_text(AWS_CONFIG.format(console=console_url, emulator=emulator_url))
    return str(path)


AWS_CONFIG = """[profile alice]
region = us-east-1
services = switchrole-console

[profile prod]
role_arn = arn:aws:iam::123456789012:role/UpdateAPP
source_profile = alice
region = us-east-1
services = switchrole-console
s3 =
  addressing_style = path

[profile prod-mfa]
role_arn = arn:aws:iam::123456789012:role/UpdateAPP-MFA
source_profile = alice
mfa_serial = arn:aws:iam::111122223333:mfa/alice
region = us-east-1
services = switchrole-console
s3 =
  addressing_style = path

[services switchrole-console]
sts =
  endpoint_url = {console}/sts/
s3 =
  endpoint_url = {emulator}
"""


class Command(BaseCommand):
    help = "Run the console on the embedded AWS emulator with the demo world."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, port: int, **options) -> None:
        if not port_is_free(port):
            raise CommandError(f"Port {port} is already in use; run with another port, e.g. PORT={port + 1} make demo")

        webserver.prepare()  # migrate, collect static files
        password, changed = seed_database()
        emulator = start_emulator()
        env = web_environment(port, emulator.url)
        # Commands typed in another shell meanwhile use these settings (console/demo_env.py).
        shared = demo_env.path()
        withheld = demo_env.write(shared, env, os.getpid())
        try:
            web = subprocess.Popen(webserver.command(), env=webserver.environment(port, env), stdin=subprocess.DEVNULL)
            aws_config = write_aws_config(env["CONSOLE_BASE_URL"], emulator.url)
            self._banner(port, emulator.url, password, changed=changed, aws_config=aws_config, withheld=withheld)
            self._wait(web, emulator)
        finally:
            demo_env.remove(shared, os.getpid())

    def _banner(
        self,
        port: int,
        emulator_url: str,
        password: str | None,
        changed: bool,
        aws_config: str,
        withheld: list[str],
    ) -> None:
        note = " (unless changed in the console since)" if changed else ""
        also = f" (set {', '.join(withheld)} there too)" if withheld else ""
        lines = [
            "",
            f"  Switchrole Console:  http://127.0.0.1:{port}/",
            f"  AWS emulator:        {emulator_url} (moto, IAM authorization on)",
            "",
            f"  Emails (switch links): {settings.VAR_DIR / 'mail'}/ unless EMAIL_URL is set",
            "",
            "  Sign in with account  example-dev  (111122223333) as:",
            "    alice  (Developers: may switch to UpdateAPP and ViewAPP, and to UpdateAPP-MFA with MFA)",
            "    bob    (Testers: may switch to ViewAPP only)",
            "    admin  (administrator: /admin/)",
            f"  Password: {password or '(set DEMO_PASSWORD to choose one)'}{note}",
            "",
            f"  Try: http://127.0.0.1:{port}/switchrole?account=example-prod&roleName=UpdateAPP"
            "&displayName=Production&color=F2B0A9",
            f"  AWS CLI / boto3: AWS_CONFIG_FILE={aws_config} aws s3 ls s3://productionapp --profile prod",
            "    (put a console access key for alice under [alice] in ~/.aws/credentials; see README)",
            "  Commands in another shell use this demo's links, mail folder and database while it runs",
            f"    (var/demo.env), e.g. .venv/bin/python manage.py create_access_key --user-name alice{also}",
            "  Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _wait(self, web: subprocess.Popen, emulator: Emulator) -> None:
        def stop(*_):
            self.stopping = True
            raise KeyboardInterrupt

        # Installed explicitly for both: a shell that starts `make demo` in the background hands
        # its children SIGINT ignored, and Ctrl-C must still stop the console, never restart it.
        self.stopping = False
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while web.poll() is None:
                if emulator.process is None or emulator.process.poll() is not None:
                    # Ctrl-C reaches the emulator too (one process group): a moment's grace
                    # lets our own handler run first, so a stop is not mistaken for a crash.
                    time.sleep(RESTART_GRACE_SECONDS)
                    if self.stopping or web.poll() is not None:
                        break
                    self._restart(emulator, web)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            if web.poll() is None:
                web.terminate()
                try:
                    web.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    web.kill()
            emulator.stop()
            self.stdout.write("Stopped the console and the AWS emulator.")

    def _restart(self, emulator: Emulator, web: subprocess.Popen) -> None:
        """The emulator died: start it again on the same port (the web server's AWS_ENDPOINT_URL)
        and seed it again, retrying with growing pauses. The console keeps serving meanwhile;
        S3 pages say AWS is unreachable until the emulator is back."""
        status = emulator.process.returncode if emulator.process else None
        self.stderr.write(f"The AWS emulator stopped (status {status}); starting it again on {emulator.url}.")
        emulator.stop()
        for delay in RESTART_DELAYS + (RESTART_DELAYS[-1],) * 1000:
            time.sleep(delay)
            if web.poll() is not None or self.stopping:
                return
            try:
                emulator.start()
                seed(emulator)
            except (EmulatorError, OSError) as exc:
                emulator.stop()
                self.stderr.write(f"Could not restart the AWS emulator yet: {exc}")
                continue
            self.stdout.write(
                f"The AWS emulator is back at {emulator.url}, seeded again. Role sessions from before the restart "
                "end when they are next used; switch again."
            )
            self.stdout.flush()
            return
