"""The characters no report may show as they are: controls, bidi overrides and
lone surrogates.

One set for everyone: the collectors name them on import, the renderers take
them out (reporter/render/text.py) or escape them.
"""

from __future__ import annotations

import re

# C0 controls other than tab, newline and carriage return, DEL and the C1
# controls: HTML calls them parse errors, fonts have no glyph for them (a
# missing glyph makes WeasyPrint switch to a CMap that text extraction
# misreads) and Excel refuses the C0 ones.
C0_C1_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidirectional embeddings, overrides and isolates (UAX #9, section 2): a
# name holding U+202E would show "gnp.exe" as "exe.png". Names in Arabic or
# Hebrew need none of them; the reports isolate each name instead (HTML:
# <bdi> and dir="auto"; PDF: ``isolate`` in reporter/render/text.py).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Half of a UTF-16 pair: an API may send one as a \uXXXX escape, Python
# parses it into a string no UTF-8 file can hold. A whole pair is one code
# point in a Python string, so a surrogate found there is always alone.
LONE_SURROGATES = "\ud800-\udfff"
CONTROL_CHARACTERS = re.compile(f"[{C0_C1_CONTROLS}{BIDI_CONTROLS}{LONE_SURROGATES}]")
