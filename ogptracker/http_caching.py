"""HTTP as clients expect: validators and 304s, Cache-Control, compression.

- Exports and feeds (`data_conditional`): their ETag and Last-Modified come from the data version
  (commitments/freshness/versions.py: every write of anything they show moves the record token and
  the time of the change), so a feed reader's poll or a repeated download is answered 304 before
  any row is read. The day is part of both: an export's file name and a milestone's "overdue" are
  the day's.
- The API (`body_conditional`): an ETag of the body, as Django's ConditionalGetMiddleware gives,
  but for HEAD as well as GET (the middleware answers only GET); its Last-Modified is the data's
  (api/views.py).
- Cache-Control (`CacheControlMiddleware`): an anonymous GET or HEAD answer that sets no cookie
  may be kept by any cache for PUBLIC_MAX_AGE seconds; one for a signed-in user, or one that sets
  a cookie (a form's CSRF token, a session), only by the user's own browser ("private"). Answers
  that already say (the admin's never_cache, static files) are left as they are.
- Compression (`TextGZipMiddleware`): text answers (HTML, CSV, JSON, XML, Atom, YAML, JavaScript,
  CSS) are gzipped when the client accepts it, by Django's GZipMiddleware, whose random padding in
  the gzip header mitigates BREACH. Spreadsheets (already zip) and images are sent as they are.
"""

import hashlib
from datetime import datetime, time
from functools import wraps

from django.middleware.gzip import GZipMiddleware
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import condition

from commitments.freshness import versions

PUBLIC_MAX_AGE = 60  # seconds: short, so a change reaches anonymous readers within a minute


def _today_began() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _data_state(request) -> tuple[str, datetime | None]:
    """(record token, when the data last changed), read once per request for both validators."""
    if not hasattr(request, "_ogptracker_data_state"):
        request._ogptracker_data_state = versions.record_state()
    return request._ogptracker_data_state


def data_last_modified(request, *args, **kwargs) -> datetime:
    """When what the data shows last changed: the last write, or midnight if later (what depends on
    the day, such as overdue milestones and the export's file name, changes then)."""
    changed = _data_state(request)[1]
    return max(changed, _today_began()) if changed else _today_began()


def data_etag(request, *args, **kwargs) -> str:
    """The data's version (moved by every write of anything exported or fed), the address asked
    for (path and query, in any order), the language and the day."""
    key = repr((_data_state(request)[0], request.path, sorted(request.GET.lists()),
                translation.get_language(), timezone.localdate().isoformat()))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


data_conditional = condition(etag_func=data_etag, last_modified_func=data_last_modified)


def body_conditional(view):
    """A view answering GET and HEAD with an ETag of its body (unless it set one) and 304 to a
    matching If-None-Match or, with none sent, an If-Modified-Since not older than its
    Last-Modified."""

    @wraps(view)  # keeps DRF's `cls` and `csrf_exempt` on it, which the schema and CSRF read
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        if not getattr(response, "is_rendered", True):
            response.render()  # DRF's Response is rendered after the view: its body is needed now
        if not response.has_header("ETag"):
            set_response_etag(response)
        last_modified = response.get("Last-Modified")
        return get_conditional_response(
            request, etag=response["ETag"], response=response,
            last_modified=parse_http_date_safe(last_modified) if last_modified else None)

    return wrapped


class CacheControlMiddleware:
    """Above the session, CSRF and authentication middleware, so that it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.method not in ("GET", "HEAD") or response.status_code not in (200, 304)
                or response.has_header("Cache-Control")):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or response.cookies:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response


TEXT_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml",
              "application/rss+xml", "application/javascript", "application/yaml",
              "application/vnd.oai.openapi", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)
