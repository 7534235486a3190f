"""The client's address behind the trusted reverse proxies, and the key the limits count it by.

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


# One IPv6 subscriber is handed a whole /64 (RFC 6177 recommends at least that much per site), and
# picks a fresh address in it for every connection if it likes (privacy addresses, RFC 8981):
# keyed by address, each request would start a new throttle, lockout and follow count.
IPV6_CLIENT_PREFIX = 64


def client_key(request) -> str | None:
    """Whom the limits count (the API's anonymous throttle, django-axes' sign-in lockout, the follow
    limits): an IPv4 client by its address, an IPv6 client by its /64, written as the network's
    first address so that it still fits axes' address column; an IPv4-mapped IPv6 address
    (::ffff:192.0.2.1, from a dual-stack socket) is its IPv4 address."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False).network_address)
    return str(parsed)
