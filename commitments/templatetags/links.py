"""`|is_link`: whether a stored URL may be rendered as a link (http or https only).

Validators keep anything else out of the database (commitments/validators.py); templates ask
again, so a row stored before them, or by a path that skipped them, still renders as plain text.
"""

from django import template

from commitments.validators import is_link as _is_link

register = template.Library()


@register.filter
def is_link(url) -> bool:
    return _is_link(url)
