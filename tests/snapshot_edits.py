"""A snapshot with its unsigned manifest edited, its entries and hashes kept."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reporter.snapshot import layout


def edit_manifest(
    source: Path,
    target: Path,
    edit: Callable[[dict[str, Any]], None],
    *,
    raw: Callable[[bytes], bytes] = lambda data: data,
) -> None:
    """``source`` copied to ``target``, its manifest changed by ``edit``.

    ``raw`` then changes the manifest's JSON text, for what ``json.dumps``
    cannot write (a bare NaN in place of a marker string, say).
    """
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == layout.MANIFEST:
                manifest = json.loads(data)
                edit(manifest)
                data = raw(json.dumps(manifest).encode())
            copy.writestr(info, data)
