"""The admin's address bar: a NUL in its query is refused with 400 before any admin view reads it.

PostgreSQL cannot hold NUL in a text value ("A string literal cannot contain NUL characters"), and
the admin passes its query straight into queries: the changelist search (`q`), the autocomplete's
`term`, and any list filter's value. On PostgreSQL each of those answered 500; on SQLite they
found nothing. No admin name, search or filter value can contain NUL (every form field refuses
it), so such a request is not one the admin can answer. Other control characters reach the
database and simply match nothing.
"""

from django.core.exceptions import BadRequest
from django.urls import reverse


class AdminQueryGuard:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        if self.prefix is None:
            self.prefix = reverse("admin:index")
        if request.path.startswith(self.prefix) and any(
                "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            raise BadRequest("NUL in the admin's query")
        return self.get_response(request)
