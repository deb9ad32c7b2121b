"""Text that no report format can hold, and how it is taken out."""

from __future__ import annotations

import logging
from collections.abc import Callable

from markupsafe import Markup

# The character set is shared with the collectors.
from reporter.controls import CONTROL_CHARACTERS

logger = logging.getLogger(__name__)


def escaped(value: str) -> str:
    """``value`` for a log line: each unprintable character ``repr``-escaped.

    A bidi override or a NUL in a logged name shows as ``\u202e`` or
    ``\x00`` instead of reordering or cutting the terminal line.
    """
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value)


def clean_text(value: str, reported: set[str] | None = None) -> str:
    """``value`` without control characters, with a WARNING naming it.

    A value already in ``reported`` is not logged again; it is added once
    logged, so one odd record gives one warning per render.
    """
    if not CONTROL_CHARACTERS.search(value):
        return value
    if reported is None or value not in reported:
        logger.warning("removed control characters from the value %r", value)
        if reported is not None:
            reported.add(value)
    return CONTROL_CHARACTERS.sub("", value)


def control_stripper() -> Callable[[object], object]:
    """A Jinja ``finalize`` that drops control characters from every output value.

    Each value that loses characters is logged once, as a WARNING, so the odd
    record can be found in the source system.
    """
    reported: set[str] = set()

    def finalize(value: object) -> object:
        # Markup is our own static CSS and JS, never data.
        if not isinstance(value, str) or isinstance(value, Markup):
            return value
        return clean_text(value, reported)

    return finalize


def bidi_isolator() -> Callable[[object], Markup]:
    """A Jinja filter printing a value as its own bidi run: FSI, the text, PDI.

    FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL ISOLATE (U+2069), UAX #9
    section 2.4. WeasyPrint never reads CSS ``unicode-bidi``, so ``dir`` and
    ``<bdi>`` do not isolate in the PDF (bidi support is partial, see
    https://github.com/Kozea/WeasyPrint/issues/106), but Pango's bidi
    algorithm honours the isolate characters: an Arabic or Hebrew name then
    reads right to left without reordering the label text around it. The
    value's own controls are removed first (a WARNING names it once): a PDI
    inside it would end the isolate early and let an override out, and an
    override kept inside would still show "gnp.exe" as "exe.png".
    """
    reported: set[str] = set()

    def isolate(value: object) -> Markup:
        text = clean_text(str(value), reported)
        # Markup.format escapes ``text``; the template is a constant.
        return Markup("\u2068{}\u2069").format(text)

    return isolate
