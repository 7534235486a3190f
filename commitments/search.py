"""Free-text search of commitments: accent- and case-blind, full-text indexed on PostgreSQL."""

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Case,
    F,
    Func,
    OrderBy,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan

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


def query_words(text: str) -> list[str]:
    """The words a search looks for in what was typed (none: no search)."""
    return words(clean_query(text)[0])


def _tsquery(query_words: list[str], joined: str = " & ") -> SearchQuery:
    # The words are letters and digits only, so they cannot break to_tsquery's syntax.
    return SearchQuery(joined.join(f"{word}:*" for word in query_words), search_type="raw", config="simple")


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Commitments of the queryset whose search text has every word of `text` (as a word prefix on PG)."""
    query_words = words(clean_query(text)[0])
    if not query_words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.alias(search_vector=StoredSearchVector()).filter(search_vector=_tsquery(query_words))
    condition = Q()
    for word in query_words:
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)


# Relevance: the order of a search's results unless the list is sorted -----------------------------
#
# Both databases: first the commitments whose title holds more of the query's words (accents and
# case aside), then, on PostgreSQL, ts_rank_cd over the stored vector (how often and how close
# together the words occur in the whole search text); on SQLite, which has no ranking, how many of
# the words the description holds. Ties in identifier order, which is unique: pages stay stable.


def _fold_table() -> tuple[str, str]:
    """translate()'s two strings: each Latin character (U+00C0 to U+024F) that normalize() folds to
    one other character, and that character ("É" -> "e", "ñ" -> "n")."""
    before, after = [], []
    for code in range(0xC0, 0x250):
        folded = _fold_character(chr(code))
        if len(folded) == 1 and folded != chr(code):
            before.append(chr(code))
            after.append(folded)
    return "".join(before), "".join(after)


class Folded(Func):
    """A text folded in SQL as normalize() folds it: on SQLite by normalize() itself (registered on
    each connection, register_functions()); on PostgreSQL lower() and translate() of the Latin
    accented letters (no extension needed; other scripts keep their accents, which only the
    ranking reads, never the matching)."""

    function = "ogp_fold"
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        before, after = _fold_table()
        translated = Func(Lower(self.source_expressions[0]), Value(before), Value(after),
                          function="translate")
        return compiler.compile(translated)


def register_functions(sender, connection, **kwargs):
    """connection_created receiver (apps.py): SQLite learns ogp_fold(), normalize() in SQL."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("ogp_fold", 1, normalize, deterministic=True)


def _words_held(field: str, query_words: list[str]):
    """How many of the query's words the field holds: as a word prefix on PostgreSQL, anywhere on
    SQLite, each database as its search matches."""
    if connection.vendor == "postgresql":
        vector = SearchVector(Folded(field), config="simple")
        held = [When(SearchVectorExact(vector, _tsquery([word])), then=1) for word in query_words]
    else:
        held = [When(GreaterThan(StrIndex(Folded(field), Value(word)), 0), then=1) for word in query_words]
    total = Value(0)
    for when in held:
        total = total + Case(when, default=0)
    return total


def relevance(text: str) -> list[OrderBy]:
    """The order_by() of a search's results by relevance (the rule above); [] without a search."""
    query_words = words(clean_query(text)[0])
    if not query_words:
        return []
    if connection.vendor == "postgresql":
        # Any of the words counts towards the rank (every one matched anyway: the filter says so).
        rank = SearchRank(StoredSearchVector(), _tsquery(query_words, " | "), cover_density=True)
    else:
        rank = _words_held("description", query_words)
    return [_words_held("title", query_words).desc(), rank.desc(), F("identifier").asc()]


# The snippet: why a commitment matches ----------------------------------------------------------

# The list's row values a snippet is read from, in the order a tie between them is settled: every
# text the search text is made of (build_search_text), as stored, so the snippet shows the words
# as written. SUPPORTING is the supporting institutions' names, read in the rows' own query
# (queries.snippet_values).
SUPPORTING = "supporting_institution_names"
SNIPPET_SOURCES = ("title", "short_title", "description", *SEARCHED_FIELDS[4:], "lead_institution__name",
                   SUPPORTING, "identifier")
SNIPPET_COLUMNS = tuple(name for name in SNIPPET_SOURCES
                        if name not in ("title", "lead_institution__name", "identifier", SUPPORTING))
# Between two supporting institutions' names in a snippet.
NAME_SEPARATOR = "; "


# About two lines of the title column; the first match starts after at most SNIPPET_LEAD characters.
SNIPPET_LENGTH = 180
SNIPPET_LEAD = 60


def _fold_character(char: str) -> str:
    """One character as normalize() folds it: "É" -> "e", "ß" -> "ss", a combining accent -> ""."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part)).casefold()


@functools.cache
def _variants() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every character (Basic Multilingual Plane) by what it folds to: for one character, a regular
    expression class ("e" -> "[eEèéêë…]"); for several, the characters ("ss" -> ["ß", "ẞ"]).
    Built on first use, in about 0.2 s."""
    single, several = defaultdict(list), defaultdict(list)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:  # surrogates are no characters
            continue
        char = chr(code)
        folded = _fold_character(char)
        if len(folded) == 1 and folded != char:
            single[folded].append(char)
        elif len(folded) > 1 and _WORD.fullmatch(folded):
            several[folded].append(char)
    classes = {folded: "[" + re.escape(folded) + "".join(map(re.escape, chars)) + "]"
               for folded, chars in single.items()}
    return classes, dict(several)


# What a snippet shows as a space: C0/C1 control characters, line breaks and tabs included.
_BLANK = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@functools.lru_cache(maxsize=1024)
def _word_pattern(word: str) -> re.Pattern:
    """Where a query word (from words()) occurs in a text as stored, each character as normalize()
    folds it: "strasse" finds "Straße", "finanzas" finds "ﬁnanzas"."""
    classes, several = _variants()
    parts, position = [], 0
    while position < len(word):
        one = classes.get(word[position], re.escape(word[position]))
        # The longest folding into several characters that the word has here ("ss" for "ß").
        length = max((len(folded) for folded in several if word.startswith(folded, position)), default=1)
        if length == 1:
            parts.append(one)
        else:
            folded = word[position:position + length]
            spelled = "".join(classes.get(char, re.escape(char)) for char in folded)
            parts.append("(?:" + "|".join([*map(re.escape, several[folded]), spelled]) + ")")
        position += length
    return re.compile("".join(parts))


def snippet(row: dict, query_words: list[str]) -> tuple[str, list[tuple[str, bool]], bool, bool] | None:
    """Where a row of the list matches `query_words` (from words()): (the source's name, the
    snippet as (text, matched) pieces, whether text was cut before, after), or None.

    One rule for both databases: a query word matches wherever the text has it, each character
    as normalize() folds it, which covers SQLite's LIKE over the search text and PostgreSQL's
    word prefixes. The source is the row's text with the most of the query's words (none: no
    snippet, never the folded search text). The text is matched as stored (NFC-composed first, so
    that a decomposed accent matches too), not folded: the positions found are those of the text shown.
    """
    if not query_words:
        return None
    patterns = [_word_pattern(word) for word in query_words]
    best, best_count, best_text = None, 0, ""
    for name in SNIPPET_SOURCES:
        text = row.get(name) or ""
        if not text:
            continue
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        count = sum(1 for pattern in patterns if pattern.search(text))
        if count > best_count:
            best, best_count, best_text = name, count, text
            if count == len(patterns):
                break
    if best is None:
        return None
    source, text = best, best_text
    first = min((found.span() for pattern in patterns if (found := pattern.search(text))), default=None)
    if first is None:
        return None
    window_start = 0
    if first[0] > SNIPPET_LEAD:
        # Start at a word: after the first space in the lead before the match.
        window_start = first[0] - SNIPPET_LEAD
        space = text.find(" ", window_start, first[0])
        window_start = space + 1 if space != -1 else window_start
    window_end = min(len(text), window_start + SNIPPET_LENGTH)
    if window_end < len(text):
        space = text.rfind(" ", max(first[1], window_start + SNIPPET_LENGTH // 2), window_end)
        window_end = space if space != -1 else window_end
    # Control characters would show as nothing, line breaks and tabs are spaces in HTML anyway:
    # each one a space, so that the positions found stay right.
    shown = _BLANK.sub(" ", text[window_start:window_end])
    pieces, position = [], 0
    for start, end in sorted(found.span() for pattern in patterns
                             for found in pattern.finditer(text, window_start, window_end)):
        start, end = start - window_start, end - window_start
        if end <= position:
            continue
        if start > position:
            pieces.append((shown[position:start], False))
        elif pieces:  # overlapping matches ("ab" and "bc" in "abc"): one mark
            start = position - len(pieces.pop()[0])
        pieces.append((shown[start:end], True))
        position = end
    if position < len(shown):
        pieces.append((shown[position:], False))
    return source, pieces, window_start > 0, window_end < len(text)
