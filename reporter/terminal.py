"""What reaches the terminal: every error, warning and log line, made safe to print.

Lines quote values from files and APIs. An ESC in a CSV header would set the
terminal's title or clear its screen, a CR or NUL hide the rest of the line, a
bidi override reorder it. Each such character is printed escaped as ``repr``
shows it (``\\x1b``, ``\\u202e``, ``\\ud800``), as the quoted values in the
same lines already are; letters of any script are printed as they are.
"""

from __future__ import annotations

import logging
import re

from reporter.controls import BIDI_CONTROLS, C0_C1_CONTROLS, LONE_SURROGATES

# The reports' set (reporter.controls) plus tab and CR, which a report may
# hold but which move a terminal's cursor: after a CR the rest of the line
# overwrites its start.
UNSAFE = re.compile(f"[\t\r{C0_C1_CONTROLS}{BIDI_CONTROLS}{LONE_SURROGATES}]")
# Escapes shown of one run of those characters: a header of 1,000 NULs
# shows 16 and the run's length.
RUN_SHOWN = 16
LONG_RUN = re.compile(f"{UNSAFE.pattern}{{{RUN_SHOWN + 1},}}")
# Characters shown of one very long line: its start (what happened) and its
# end (the hint), the middle cut with a count.
LINE_HEAD = 600
LINE_TAIL = 400


def for_terminal(text: str) -> str:
    """``text`` safe to print: unsafe characters escaped, long runs and lines cut.

    Newlines stay: a log record may span lines (a traceback).
    """
    return "\n".join(_line(line) for line in text.split("\n"))


def _line(line: str) -> str:
    line = LONG_RUN.sub(_cut_run, line)
    if len(line) > LINE_HEAD + LINE_TAIL:
        cut = len(line) - LINE_HEAD - LINE_TAIL
        line = f"{line[:LINE_HEAD]}… ({cut:,} characters cut) …{line[-LINE_TAIL:]}"
    return UNSAFE.sub(_escaped, line)


def _cut_run(match: re.Match[str]) -> str:
    run = match.group()
    return f"{run[:RUN_SHOWN]}… ({len(run):,} control characters in a row)"


def _escaped(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


class TerminalFormatter(logging.Formatter):
    """Log records formatted as usual, then made safe by ``for_terminal``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's line (and traceback), safe to print."""
        return for_terminal(super().format(record))
