"""Anonymous clients' request limits (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]).

DRF's AnonRateThrottle, with the client's address read as the rest of the site reads it (behind
the trusted proxies: ogptracker/client_address.py) and its rate read from the settings at each
request (DRF's own copies them when the class is defined, so a test's override would not apply).
A client over the limit gets 429 with Retry-After.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from ogptracker.client_address import client_key


class AnonymousThrottle(AnonRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_key(request) or "unknown"
