"""The version of the data, kept in the database, that keys every cached count, page and export.

One row (FacetDataVersion) of tokens, each a fresh random value when moved:
- token: moved by every write but those below (the main token: every count becomes stale);
- text_token: moved by a save that changes what text search reads (a title, say), so only the
  states with a search may count again;
- column_tokens: one per group of counted columns (columns.COLUMN_GROUPS), moved by a save that
  changes only those, so only the facets that read them count again;
- record_token: moved by every write of anything exported, also one that changes nothing counted
  or searched (a date, the description, ogp_extra): the cached pages and exports are kept under it;
- changed_at: when any of it last changed (with every token moved): the API's Last-Modified.

Being in the database, the version is the same for every app server and process whatever their
caches, it moves (or rolls back) with the write's own transaction, and a restore brings back its own.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import FacetDataVersion


@dataclass(frozen=True)
class Versions:
    token: str  # moved by every write but those below
    text_token: str  # moved by a save that changes what text search reads
    column_tokens: dict  # COLUMN_GROUPS name -> token, moved by a save that changes those columns
    record_token: str = ""  # moved by every write of anything exported (see invalidate())


def versions() -> Versions:
    """The versions of the counted data, read from the database (one query): every app server and
    process, whatever its cache, reads the same, so none serves counts of older data."""
    row = (FacetDataVersion.objects.filter(pk=1)
           .values_list("token", "text_token", "column_tokens", "record_token").first())
    if row is None:  # a flushed database (tests, a restore without the row): start a version
        version = FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[0]
        row = (version.token, version.text_token, version.column_tokens, version.record_token)
    return Versions(row[0], row[1], row[2] or {}, row[3])


def last_changed():
    """When the data last changed (None: not since the version row began): the API's
    Last-Modified, so an If-Modified-Since client is never told that a changed record is not."""
    return FacetDataVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()


def record_state() -> tuple[str, object]:
    """(the record token, when the data last changed), in one query: the validators (ETag and
    Last-Modified) of the exports and feeds (ogptracker/http_caching.py)."""
    row = FacetDataVersion.objects.filter(pk=1).values_list("record_token", "changed_at").first()
    return row if row is not None else (versions().record_token, None)


def data_version() -> str:
    """The version of all the data the facets count, a list page or an export shows: every write
    that changes any of it moves it (a date or a description saved too, by the record token)."""
    current = versions()
    return ".".join((current.token, current.text_token, current.record_token,
                     *(f"{name}={token}" for name, token in sorted(current.column_tokens.items()))))


def invalidate(*, text_only=False, columns=None, text=True) -> None:
    """The one way tokens move. With no argument every cached count, page and export becomes stale.
    With text_only (a write that changed only what text search reads), only the states with a
    search may count again; with `columns` (COLUMN_GROUPS names; a commitment's save that changed
    only those), only the facets that read them, and, unless `text` is False, the states with a
    search.

    Every call moves the record token, whatever else it moves: `columns=[]` with `text=False` (a
    commitment's save that changed no counted or searched column) moves that alone, which keeps
    every cached count and makes every cached page and export stale.

    Called inside the write's transaction (saves.py's steps and bulk_write()), so the new version
    is seen exactly when the new data is, by every process.
    """
    if columns is None and not text_only:
        tokens = {"token": uuid.uuid4().hex, "text_token": uuid.uuid4().hex}
    else:
        tokens = {"text_token": uuid.uuid4().hex} if text or text_only else {}
    tokens["record_token"] = uuid.uuid4().hex
    tokens["changed_at"] = timezone.now()
    with transaction.atomic(savepoint=False):
        if columns:
            # Locked: two saves of different columns at once must not each write back the other's
            # old token (a lost update would leave a count stale).
            current = (FacetDataVersion.objects.select_for_update().filter(pk=1)
                       .values_list("column_tokens", flat=True).first()) or {}
            tokens["column_tokens"] = {**current, **{name: uuid.uuid4().hex for name in columns}}
        if not FacetDataVersion.objects.filter(pk=1).update(**tokens):
            FacetDataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
