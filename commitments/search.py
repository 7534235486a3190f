"""Free-text search of commitments: accent- and case-blind, full-text indexed on PostgreSQL."""

import re
import unicodedata
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Q, QuerySet

# A search needs no more than this; longer input is cut (the list page says so).
MAX_QUERY_LENGTH = 200
# The commitment fields whose text is searched, besides the institutions' names.
SEARCHED_FIELDS = ("identifier", "title", "short_title", "description", "problem", "main_objective",
                   "brief_description", "ogp_challenge", "relevance", "ambition")

# Runs of letters and digits: the words of a text, punctuation and underscores dropped.
_WORD = re.compile(r"[^\W_]+")
# C0/C1 control characters (NUL included) have no place in a search and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalize(text: str) -> str:
    """Lowercase, accents removed, whitespace collapsed: "Secretaría  Ejecutiva" -> "secretaria ejecutiva"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(without_marks.casefold().split())


def words(text: str) -> list[str]:
    """The normalised words of a text, in order."""
    return _WORD.findall(normalize(text))


def clean_query(text: str) -> tuple[str, bool]:
    """The query as typed, without control characters and cut to MAX_QUERY_LENGTH; and whether it was cut."""
    cleaned = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(cleaned) > MAX_QUERY_LENGTH:
        return cleaned[:MAX_QUERY_LENGTH].rstrip(), True
    return cleaned, False


def build_search_text(commitment, institution_names: Iterable[str]) -> str:
    """The words a search matches a commitment on, space separated.

    Only letters and digits separated by single spaces are stored, so PostgreSQL's parser reads
    exactly the words `words()` makes of a query (no host names, versions or e-mail tokens).
    """
    parts = [getattr(commitment, name) or "" for name in SEARCHED_FIELDS]
    description = normalize(commitment.description)
    # The sections are usually cut out of the description: do not store their words twice.
    parts = parts[:4] + [text for text in parts[4:] if normalize(text) not in description]
    parts.extend(institution_names)
    return " ".join(words(" ".join(parts)))


class StoredSearchVector(Func):
    """The commitment table's search_vector column: to_tsvector('simple', search_text), stored.

    PostgreSQL keeps it (a generated column with a GIN index, migration 0004), so the model does
    not declare it; this reads it under whatever alias the query gives the table. Matching on the
    stored vector costs microseconds per row where computing to_tsvector costs milliseconds.
    """

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("search_text"))

    def as_sql(self, compiler, connection, **extra_context):
        column = self.source_expressions[0]  # resolved to the search_text Col of the right alias
        return (f"{compiler.quote_name_unless_alias(column.alias)}."
                f"{connection.ops.quote_name('search_vector')}"), []


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Commitments of the queryset whose search text has every word of `text` (as a word prefix on PG)."""
    query_words = words(clean_query(text)[0])
    if not query_words:
        return queryset
    if connection.vendor == "postgresql":
        # The words are letters and digits only, so they cannot break to_tsquery's syntax.
        tsquery = SearchQuery(" & ".join(f"{word}:*" for word in query_words), search_type="raw",
                              config="simple")
        return queryset.alias(search_vector=StoredSearchVector()).filter(search_vector=tsquery)
    condition = Q()
    for word in query_words:
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)


# The snippet: why a commitment matches ----------------------------------------------------------

# The list's row values a snippet is read from, in the order a tie between them is settled; the
# search text last, for what no column on the row holds (supporting institutions, the identifier).
SNIPPET_SOURCES = ("title", "short_title", "description", *SEARCHED_FIELDS[4:], "lead_institution__name")
SNIPPET_COLUMNS = (*(name for name in SNIPPET_SOURCES if name not in ("title", "lead_institution__name")),
                   "search_text")
# About two lines of the title column; the first match starts after at most SNIPPET_LEAD characters.
SNIPPET_LENGTH = 180
SNIPPET_LEAD = 60


class _Folding(dict):
    """Each character as normalize() sees it, one character at a time: "É" -> "e", "ß" -> "ss".

    str.translate() asks this table for every character in C; a character's folding is worked out
    once per process, so folding a long description costs about what lowercasing it does.
    """

    def __missing__(self, code):
        char = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(part for part in char if not unicodedata.combining(part)).casefold()
        self[code] = folded
        _IRREGULAR[code] = "" if len(folded) == 1 else "!"
        return folded


class _Irregular(dict):
    """"!" for a character that folds to other than one character, "" otherwise: a text whose
    translation by this table is empty folds character for character, its positions unchanged."""

    def __missing__(self, code):
        _FOLDING[code]  # noqa: B018 - fills both tables
        return self[code]


_FOLDING = _Folding()
_IRREGULAR = _Irregular()


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The text folded as normalize() folds it (whitespace left as it is), and where each folded
    character comes from in `text` (None: from the same place)."""
    folded = text.translate(_FOLDING)
    if not text.translate(_IRREGULAR):
        return folded, None
    origins = []
    for position, char in enumerate(text):
        origins.extend([position] * len(_FOLDING[ord(char)]))
    return folded, origins


def snippet(row: dict, query_words: list[str]) -> tuple[str, list[tuple[str, bool]], bool, bool] | None:
    """Where a row of the list matches `query_words` (from words()): (the source's name, the
    snippet as (text, matched) pieces, whether text was cut before, after), or None.

    The same rule serves both databases: a query word matches wherever it occurs in the folded
    text, which covers SQLite's LIKE over the search text and PostgreSQL's word prefixes. The
    source is the column with the most of the query's words; the search text only when no column
    on the row has any.
    """
    if not query_words:
        return None
    best, best_count = None, 0
    for name in SNIPPET_SOURCES:
        folded = (row.get(name) or "").translate(_FOLDING)
        count = sum(1 for word in query_words if word in folded)
        if count > best_count:
            best, best_count = name, count
    source = best or "search_text"
    # Control characters and line breaks would show as nothing or break the line: spaces.
    text = " ".join(_CONTROL.sub(" ", row.get(source) or "").split())
    folded, origins = _fold(text)
    spans = []
    for word in query_words:
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            if origins is None:
                spans.append((start, end))
            else:
                # The whole original character, with any combining marks after it.
                last = origins[end - 1] + 1
                while last < len(text) and unicodedata.combining(text[last]):
                    last += 1
                spans.append((origins[start], last))
            start = folded.find(word, end)
    if not spans:
        return None
    spans.sort()
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    window_start = 0
    if merged[0][0] > SNIPPET_LEAD:
        # Start at a word: after the first space in the lead before the match.
        window_start = merged[0][0] - SNIPPET_LEAD
        space = text.find(" ", window_start, merged[0][0])
        window_start = space + 1 if space != -1 else window_start
    window_end = min(len(text), window_start + SNIPPET_LENGTH)
    if window_end < len(text):
        space = text.rfind(" ", max(merged[0][1], window_start + SNIPPET_LENGTH // 2), window_end)
        window_end = space if space != -1 else window_end
    pieces, position = [], window_start
    for start, end in merged:
        start, end = max(start, position), min(end, window_end)
        if start >= end:
            continue
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < window_end:
        pieces.append((text[position:window_end], False))
    return source, pieces, window_start > 0, window_end < len(text)
