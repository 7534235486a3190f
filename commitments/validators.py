"""What every stored identifier, text and link must be, wherever it is written.

The admin, the staff pages, the importer (and later the API) all ask here, so a permitted save
can never store what a public page, a feed or an export cannot carry:
- identifiers and OGP ids have OGP's shape (they are in URLs: `UA 0001` cannot be reversed);
- texts hold no control characters but tab and newline (XML and XLSX cannot hold them);
- links are http or https (a `javascript:` link in a page is an attack, not a source);
- whole numbers fit PostgreSQL's columns on every database (SQLite would store any 64-bit value).
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

# OGP's commitment identifiers: a member's prefix of letters, then digits (CL0050, BUE0001).
IDENTIFIER_PATTERN = r"[A-Z]{1,6}[0-9]{1,6}"
# OGP's action plan ids: AP_, the member's code, the plan's number (AP_CHL03, AP_BUE01).
OGP_ID_PATTERN = r"AP_[A-Z]{1,6}[0-9]{1,5}"

validate_identifier = RegexValidator(
    rf"\A{IDENTIFIER_PATTERN}\Z",
    _("An identifier is capital letters then digits, as OGP writes them, e.g. CL0050."),
    code="identifier")
validate_ogp_id = RegexValidator(
    rf"\A{OGP_ID_PATTERN}\Z",
    _("An OGP id is AP_, capital letters, then digits, as OGP writes them, e.g. AP_CHL03."),
    code="ogp_id")

# C0 and C1 control characters but tab (\t) and newline (\n); \r is dropped too, since
# line ends are stored as \n. XML 1.0 and XLSX cannot hold most of them, and no real text needs one.
# With them Unicode's noncharacters (U+FDD0–U+FDEF and the last two of every plane, U+FFFE, U+FFFF,
# U+1FFFE…): no text means one, XML 1.0 refuses U+FFFE and U+FFFF, and a page printed them raw.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]")


def without_control_characters(text: str) -> str:
    """The text as stored: \r\n and \r become \n; other control characters but tab go."""
    if not isinstance(text, str):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARACTERS.sub("", text)


def first_control_character(text):
    """The first control character the text may not hold and its position (from 0), or None.

    Line ends are text: \r\n and \r count as one newline, so positions are the editor's."""
    if not isinstance(text, str):
        return None
    found = CONTROL_CHARACTERS.search(text.replace("\r\n", "\n").replace("\r", "\n"))
    return (found.group(), found.start()) if found else None


def has_control_characters(text: str) -> bool:
    return first_control_character(text) is not None


TEXT_MESSAGE = _("This text holds an invisible control character (%(character)s) at position "
                 "%(position)s: remove it. Only tabs and line breaks may be used.")


def validate_text(text: str) -> None:
    """Model and form validator: refuses a text with a control character but tab and newline.

    Refused rather than removed: the admin saves what the form shows, so a silent change would
    store something else than the editor saw; the message says where the invisible character is.
    """
    found = first_control_character(text)
    if found is not None:
        character, position = found
        raise ValidationError(TEXT_MESSAGE, code="control_character",
                              params={"character": f"U+{ord(character):04X}", "position": position + 1})


LINK_SCHEMES = ("http", "https")
LINK_MESSAGE = _("A link must start with http:// or https://.")


def is_link(url: str) -> bool:
    """Whether the text is an http(s) URL with a host: the only links the project stores or renders."""
    if not isinstance(url, str) or not url or has_control_characters(url) or url != url.strip():
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.netloc)


def validate_link(url: str) -> None:
    """Model and form validator: empty, or an http(s) URL."""
    if url and not is_link(url):
        raise ValidationError(LINK_MESSAGE, code="link")


def validate_upload_size(upload, limit_bytes: int) -> None:
    """An uploaded file (the admin's import, the staff's bulk update) no larger than its form allows."""
    if upload.size > limit_bytes:
        raise ValidationError(_("The file is larger than %(size)s MB.")
                              % {"size": limit_bytes // (1024 * 1024)})


# PostgreSQL's upper bounds for the positive integer columns. Django bounds a field by the
# database in use, and SQLite's bound is 2**63 - 1: a milestone order of 99,999,999,999 saved on
# SQLite and was refused by PostgreSQL. Stated on the fields, the bound is the same on both, shown
# as a form error in the admin and the staff pages and as `maximum` in the API's schema.
SMALL_INTEGER_MAX = 32767
INTEGER_MAX = 2147483647
validate_small_integer = MaxValueValidator(SMALL_INTEGER_MAX)
validate_integer = MaxValueValidator(INTEGER_MAX)
