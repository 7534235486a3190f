"""The client's address behind the trusted reverse proxies, for django-axes' per-client lockout.

Each proxy appends the address it received the request from to X-Forwarded-For, so with N
trusted proxies in front of the app the N-th entry from the right is the client as the outermost
of them saw it; whatever is left of it the client wrote itself and is not believed. With no
trusted proxy (settings.TRUSTED_PROXY_COUNT = 0) the header is ignored: a client talking to the
app directly could otherwise pick a new address for every attempt, or someone else's.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE): from X-Forwarded-For as written by the
    trusted proxies, else REMOTE_ADDR."""
    direct = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if not trusted or not forwarded:
        return direct
    # Fewer entries than proxies: the request entered by an inner proxy, whose entry is leftmost.
    candidate = forwarded[-min(trusted, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address (a misconfigured proxy): the lockout still needs one, and axes stores it
        # in an address column.
        return direct
