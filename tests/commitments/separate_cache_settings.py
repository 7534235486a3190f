"""Settings for an app process of tests/commitments/test_facet_version.py: the test settings, with
a file cache of its own (FACET_TEST_CACHE), as each app server has by default in production."""

import os

from ogptracker.settings.test import *  # noqa: F403

CACHES = caches_at(FILE_CACHE, os.environ["FACET_TEST_CACHE"])  # noqa: F405
