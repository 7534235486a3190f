"""How often a follow request may be made: per address and per client, counted in the cache.

A fixed window per counter (the first request starts it). The address is hashed in the cache key,
so the cache holds no address; the client's address is the one django-axes uses for sign-in
lockouts (ogptracker/client_address.py: behind the trusted proxies, never what the client wrote).
"""

import hashlib

from django.core.cache import cache

from ogptracker.client_address import client_key

PER_ADDRESS = 3
ADDRESS_WINDOW = 24 * 60 * 60
PER_CLIENT = 10
CLIENT_WINDOW = 60 * 60


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one request; whether it is within the limit."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts a new window
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def client_allowed(request) -> bool:
    return _hit(f"follow:client:{client_key(request) or 'unknown'}", PER_CLIENT, CLIENT_WINDOW)


def address_allowed(email: str) -> bool:
    digest = hashlib.sha256(email.encode()).hexdigest()
    return _hit(f"follow:address:{digest}", PER_ADDRESS, ADDRESS_WINDOW)
