"""Cached CSV and JSON exports: each made once per data version, filter state and kind, kept as a file.

Why: no export made from the database each time reaches twice Datasette's rows a second (its own
SQL alone is slower than that: docs/decisions.md, "Kept exports"; bench case "CSV export, all"). The data
changes far less often than it is downloaded, so a file is kept per data version, exact by
construction:

- its name carries the data version (versions.data_version(), which every write of an exported
  cell moves in the write's own transaction, see versions.invalidate()) and a digest of the kind and the
  canonical filter state (filterset.url_params(), sorted: the same state however the URL spells it);
- the version is read BEFORE the export is made: a write committed meanwhile leaves the file under
  the older version, which no request asks for again, so a stale file is never served;
- a miss streams the export to the client as it is made and writes the same bytes to a temporary
  file in the directory, renamed into place only once complete (os.replace, atomic): a client that
  disconnects or an error removes it, so a half file is never served;
- a hit is the file, streamed by FileResponse (memory flat), byte for byte what the miss sent;
- a miss removes the files of every other version (one listing of a directory kept small), and
  once its file is in place the oldest files go until the directory holds at most
  EXPORT_CACHE_MAX_BYTES, so distinct query strings cannot fill the disk; an export larger than
  that is streamed and not kept.

The directory is settings.EXPORT_CACHE_DIR (empty: no cache, every export made afresh). Several
processes or servers may share it or not: what is served depends only on the database's version.
XLSX downloads are not cached: at most 100,000 rows (exporting.XLSX_MAX_ROWS), written whole before
they are sent, and seldom asked for; the issue's targets are CSV and JSON.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse

from .versions import data_version

# Temporary files (exports being written) start with this: never served, nor counted as kept.
PARTIAL = ".partial-"


def directory() -> Path | None:
    """Where the exports are kept (None: not kept)."""
    location = getattr(settings, "EXPORT_CACHE_DIR", "")
    return Path(location) if location else None


def _digest(value, length) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:length]


def file_name(kind, filterset) -> tuple[str, str]:
    """(the version part, the file's name) of this kind of export of this filter state, now.

    The day is part of the version: the `overdue` filter's matches change at midnight without a
    write (as the counts' cache key, counts.cached)."""
    version = _digest((data_version(), filterset.today.isoformat()), 24)
    return version, f"{version}-{_digest((kind, sorted(filterset.url_params())), 32)}.{kind}"


def response(kind, filterset, chunks, content_type):
    """The export of this filter state: the kept file if there is one, else made by
    chunks(queryset) (pieces of text) and kept as it is sent."""
    folder = directory()
    if folder is None:
        return StreamingHttpResponse(chunks(filterset.qs), content_type=content_type)
    version, name = file_name(kind, filterset)  # read before the export is made: see the docstring
    try:
        kept = open(folder / name, "rb")  # noqa: SIM115 (FileResponse closes it)
    except OSError:  # none kept (or unreadable): made now
        return StreamingHttpResponse(_kept_as_sent(folder, version, name, chunks(filterset.qs)),
                                     content_type=content_type)
    return FileResponse(kept, content_type=content_type)


def _kept_as_sent(folder, version, name, chunks):
    """The export's pieces as UTF-8 bytes (as the response would encode them), written to a
    temporary file as they are sent, which becomes the kept file once the last is sent.

    A client that goes away closes this generator at its yield (GeneratorExit), an error in the
    export raises there too: either way the finally clause removes the temporary file."""
    limit = settings.EXPORT_CACHE_MAX_BYTES
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_other_versions(folder, version)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f"{PARTIAL}{version}-")
    except OSError:  # the directory cannot be written (its permissions, a full disk): sent, not kept
        yield from (chunk.encode() for chunk in chunks)
        return
    output = os.fdopen(descriptor, "wb")
    written = 0
    try:
        for chunk in chunks:
            data = chunk.encode()
            if output is not None:
                written += len(data)
                if written > limit or not _written(output, data):  # sent, not kept
                    output.close()
                    output = None
                    _remove(temporary)
            yield data
        if output is not None:
            output.close()
            output = None
            try:
                os.replace(temporary, folder / name)
            except FileNotFoundError:  # removed meanwhile by a miss of a newer version: not kept
                pass
            _bound(folder, limit)
    finally:
        if output is not None:
            output.close()
            _remove(temporary)


def _written(output, data) -> bool:
    """Whether the data could be written (False: the disk is full, say; the export goes on)."""
    try:
        output.write(data)
    except OSError:
        return False
    return True


def _remove(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:  # another process removed it first
        pass


def _remove_other_versions(folder, version) -> None:
    """Remove the files, finished or not, of every version but this one: none will be asked for."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.removeprefix(PARTIAL).startswith(f"{version}-"):
                _remove(entry.path)


def _bound(folder, limit) -> None:
    """Remove the oldest kept files until all of them hold at most `limit` bytes together."""
    kept = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(PARTIAL):
                try:
                    status = entry.stat()
                except FileNotFoundError:
                    continue
                kept.append((status.st_mtime, status.st_size, entry.path))
    total = sum(size for _mtime, size, _path in kept)
    for _mtime, size, path in sorted(kept):
        if total <= limit:
            break
        _remove(path)
        total -= size
