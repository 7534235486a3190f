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
