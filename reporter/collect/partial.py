"""What an interrupted collection keeps, so ``collect --resume`` need not refetch it.

Each finished entry is written, owner-only, into a directory beside the
snapshot that will be written (``.<name>.partial/``): its raw objects, its
endpoint record and the requests that read it. No snapshot file exists until
the whole collection succeeds; then the directory is removed. A run that
stops before it saved any entry removes the directory it made, which holds
nothing to resume.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from reporter.errors import ConfigError, SnapshotError
from reporter.snapshot.io import utf8_json, write_private_atomic
from reporter.snapshot.model import EndpointRecord, RequestRecord

log = logging.getLogger(__name__)

STATE = "state.json"
# When the first run of this collection started: a resumed snapshot keeps it.
STARTED = "started.json"


@dataclass(frozen=True)
class SavedEntry:
    """One finished entry as an earlier run left it."""

    data: Any
    record: EndpointRecord
    requests: tuple[RequestRecord, ...]


class PartialState:
    """The finished entries of one collection, in ``directory``.

    ``key`` names the collection (account, sources, apps): a directory left by
    a collection with another key is never resumed.
    """

    def __init__(self, directory: Path, key: Mapping[str, str]) -> None:
        self.directory = directory
        self.key = dict(key)
        # The folders this run made, the directory first, then its parents.
        self._made: tuple[Path, ...] = ()

    @classmethod
    def beside(cls, out: Path, key: Mapping[str, str], *, resume: bool) -> PartialState:
        """The state for the snapshot ``out``: reopened with ``resume``, else new."""
        state = cls(partial_dir(out), key)
        if resume:
            state._check_key()
        elif state.directory.exists():
            log.warning("discarding the partial collection in %s", state.directory)
            state.remove()
        state._made = _missing(state.directory)
        try:
            state.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            state.directory.chmod(0o700)
            state._write(STATE, _dump(state.key))
        except BaseException as exc:
            state.discard_if_unread()
            if isinstance(exc, OSError):
                raise state._unwritable(exc) from exc
            raise
        return state

    def _check_key(self) -> None:
        path = self.directory / STATE
        if not path.is_file():
            log.warning("nothing to resume in %s: collecting everything", path.parent)
            return
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self._unusable(f"{path} is unreadable ({exc})") from exc
        if not isinstance(saved, dict):
            raise self._unusable(
                f"{path} is not the state of a partial collection "
                f"(a JSON {type(saved).__name__}, not an object)"
            )
        if saved != self.key:
            # The settings' names only: a value may be anything typed.
            differ = sorted(
                k for k in {*saved, *self.key} if saved.get(k) != self.key.get(k)
            )
            raise self._unusable(
                f"{self.directory} holds a partial collection of other settings "
                f"(account {saved.get('account_id', '?')}; differing: "
                f"{', '.join(map(str, differ))})"
            )

    def _unusable(self, message: str) -> ConfigError:
        return ConfigError(
            message, hint=f"run without --resume, or delete {self.directory}"
        )

    def first_start(self, now: str) -> str:
        """When the first run of this collection started: the saved time, else ``now``.

        ``now`` is saved when no earlier run left a readable time.
        """
        path = self.directory / STARTED
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if isinstance(saved, str) and saved:
            return saved
        self._write(STARTED, _dump(now))
        return now

    def load(self, entry: str) -> SavedEntry | None:
        """The saved ``entry``, or None when an earlier run did not finish it."""
        path = self._path(entry)
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return SavedEntry(
                data=raw["data"],
                record=EndpointRecord(**raw["record"]),
                requests=tuple(RequestRecord(**r) for r in raw["requests"]),
            )
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            log.warning("ignoring the unreadable partial entry %s (%s)", path, exc)
            return None

    def save(
        self,
        entry: str,
        data: Any,
        record: EndpointRecord,
        requests: Sequence[RequestRecord],
    ) -> None:
        """Keep a finished ``entry`` so a resumed run can skip it."""
        raw = {
            "entry": entry,
            "data": data,
            "record": asdict(record),
            "requests": [asdict(r) for r in requests],
        }
        self._write(self._path(entry).name, _dump_fast(raw))

    def remove(self) -> None:
        """Delete the directory: the snapshot is written, nothing is left to resume."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def saved_entries(self) -> list[str]:
        """The file names of the entries saved in the directory, by any run."""
        try:
            names = [path.name for path in self.directory.iterdir()]
        except OSError:
            return []
        # Hidden names are write_private_atomic's temporary files.
        return [n for n in names if n not in (STATE, STARTED) and n[:1] != "."]

    def discard_if_unread(self) -> bool:
        """Remove the directory (and parents) this run made when it holds no entry.

        A directory an earlier run left, which this one resumed, always stays.
        Returns whether it was removed.
        """
        if self.directory not in self._made or self.saved_entries():
            return False
        self.remove()
        for parent in self._made[1:]:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only when empty: nothing of anyone else's
        return True

    def _write(self, name: str, data: bytes) -> None:
        """Write ``name`` in the directory; a failed write is one error naming it."""
        try:
            write_private_atomic(self.directory / name, data)
        except OSError as exc:
            raise self._unwritable(exc) from exc

    def _unwritable(self, exc: OSError) -> SnapshotError:
        return SnapshotError(
            f"cannot save the entries read in {self.directory}: {exc.strerror or exc}",
            path=str(self.directory),
            hint="free some space beside --out, or choose another --out",
        )

    def _path(self, entry: str) -> Path:
        # Entry names are layout paths such as "cloudflare/members.json".
        return self.directory / entry.replace("/", "__")


def partial_dir(out: Path) -> Path:
    """Where the finished entries of a collection into ``out`` are kept."""
    return out.parent / f".{out.name}.partial"


def _missing(folder: Path) -> tuple[Path, ...]:
    """``folder`` and each of its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return tuple(missing)


def _dump(value: Any) -> bytes:
    return utf8_json(json.dumps(value, ensure_ascii=False))


def _dump_fast(raw: dict[str, Any]) -> bytes:
    """JSON for ``raw`` that ``json.loads`` reads back equal to it.

    Entries are saved while other threads read pages, and the standard encoder
    holds the interpreter lock for about a second over the entries of 20,000
    members; orjson takes a tenth of that. It refuses integers beyond 64 bits
    and strings with lone surrogates (both of which Python's parser can
    produce), so those entries take the standard encoder, written as the
    snapshot is (``utf8_json``). NaN and Infinity,
    which orjson would write as null, never get here: ``http.strict_json``
    refuses them.
    """
    try:
        return orjson.dumps(raw)
    except TypeError:
        return _dump(raw)
