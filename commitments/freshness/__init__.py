"""Freshness: what makes a cached count, page or export stale, and what a save does, in one place.

- versions.py  the data version kept in the database (FacetDataVersion) and its tokens, and the one
               entry point that moves them (invalidate), inside the write's transaction;
- columns.py   which of a commitment's columns each filter reads (derived from the FilterSet's
               declarations), in groups with a token each;
- counts.py    the cache of the facets' counts, each part tagged with the versions of what it reads;
- pages.py     the list page's cache key (the rendered fragments in the "pages" cache);
- exports.py   the CSV and JSON exports kept as files per data version;
- saves.py     what every save and delete does beyond its own row: RECEIVERS, one table of named
               steps per model and signal, and bulk_write() for writers that send no signals.
"""
