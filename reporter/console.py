"""The console script, light to import.

Loading the command line takes a second or two (pandas, WeasyPrint, httpx).
Ctrl-C in that time ends with one line and exit 130, as it does once a
command runs (``reporter.cli._run``), instead of a traceback of the imports.
"""

from __future__ import annotations

import sys

# 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
INTERRUPTED_EXIT = 130


def main() -> None:
    """Load the command line, then run it."""
    try:
        from reporter.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write(
            "interrupted: stopped at Ctrl-C while starting; nothing was read or "
            "written\n"
        )
        raise SystemExit(INTERRUPTED_EXIT) from None
    run()
