"""Emptying every cache a test's pages go through: the facets' counts ("default") and the list's
rendered pages ("pages", ogptracker/settings/base.py caches_at)."""

from django.core.cache import caches


def clear_caches():
    for cache in caches.all():
        cache.clear()
