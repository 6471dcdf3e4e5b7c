"""Security-relevant settings parse strictly, and secrets may come from files (NAME_FILE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = "from django.conf import settings as s; print(s.SECURE_COOKIES, s.SECRET_KEY, s.AWS_SECRET_ACCESS_KEY, s.DEBUG)"


def _settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "SECURE_", "SECRET_"))}
    clean.update(DJANGO_SETTINGS_MODULE="console.settings", **env)
    code = f"import django; django.setup(); {PRINT}"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("name", "value"), [("SECURE_COOKIES", "ture"), ("DEBUG", "yes please"), ("SECURE_HSTS_SECONDS", "٣٦٠٠")]
)
def test_an_unknown_value_is_a_startup_error_not_false(name: str, value: str) -> None:
    result = _settings(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{name}={value!r}" in result.stderr


def test_known_booleans_parse(tmp_path: Path) -> None:
    result = _settings(SECURE_COOKIES="FALSE", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_secrets_may_come_from_files(tmp_path: Path) -> None:
    key, secret = tmp_path / "secret_key", tmp_path / "aws_secret"
    key.write_text("from-a-file-" + "x" * 40 + "\n")
    secret.write_text("aws-secret-from-a-file\n")
    result = _settings(SECRET_KEY_FILE=str(key), AWS_SECRET_ACCESS_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr
    _, secret_key, aws_secret, _ = result.stdout.split()
    assert secret_key == "from-a-file-" + "x" * 40 and aws_secret == "aws-secret-from-a-file"
