"""URL converters: OGP identifiers (CL0050, AP_CHL03) in URLs, and any other stored value as safely.

Validators give every identifier and OGP id written from now on OGP's shape (validators.py), but
a row stored before them, or by a path that skipped them, may hold `UA 0001`, `UA#1` or `UA/1`.
The converter, not each caller, copes with that: every {% url %}, reverse() and
get_absolute_url of a commitment or plan goes through it, so one odd row can never make the
home page, a feed or a member page answer 500 (NoReverseMatch), and the row's own page still
opens. Well-formed identifiers are unchanged in URLs.
"""

import re
from urllib.parse import quote, unquote

from django.urls import register_converter

# What reverse() leaves unencoded in a path (django.urls.resolvers): identifier_segment() must
# give what reverse() gives.
_PATH_SAFE = "!$&'()*+,;=/~:@"
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*").fullmatch


class OGPIdentifierConverter:
    # Any one path segment: a value that is not an identifier simply finds no row (404).
    regex = r"[^/]*"

    def to_python(self, value):
        value = unquote(value)
        # No row can hold NUL (PostgreSQL refuses it even in a query parameter): no match, 404.
        if "\x00" in value:
            raise ValueError("NUL in an identifier")
        return value

    def to_url(self, value):
        return _encoded(value)


def _encoded(value) -> str:
    # reverse() percent-encodes the rest, and the request path arrives decoded once: only '/'
    # (which would end the segment) and '%' (so that to_python's unquote gives back exactly
    # what was stored) are encoded here.
    return str(value).replace("%", "%25").replace("/", "%2F")


def identifier_segment(value) -> str:
    """The URL path segment of an identifier, as reverse() writes it, for code that builds many
    URLs around one reverse() (templatetags/commitment_rows.py)."""
    if _PLAIN(value):  # every well-formed identifier: a page lists hundreds of them
        return value
    return quote(_encoded(value), safe=_PATH_SAFE)


# Registered here, once, for every URLconf that uses <ogpid:...> (commitments/urls.py, api/urls.py):
# Django warns of a converter registered twice, and will refuse it.
register_converter(OGPIdentifierConverter, "ogpid")
