#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    # While `make demo` runs, commands from another shell use its settings (var/demo.env):
    # its CONSOLE_BASE_URL, mail folder, database and emulator. See console/demo_env.py.
    from console import demo_env

    demo_env.apply(os.environ, sys.argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
