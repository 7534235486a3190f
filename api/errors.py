"""The API's errors, in one shape: {"detail": what went wrong, "errors": {parameter: [reasons]}}.

REST_FRAMEWORK["EXCEPTION_HANDLER"]: every refusal DRF raises (400, 401, 403, 404, 405, 409, 429)
answers JSON; anything else is a bug and is left to surface as one.
"""

from django.http import JsonResponse
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"request": response.data}
        names = ", ".join(sorted(errors))
        response.data = {"detail": f"Bad request: see {names}.", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": getattr(exc, "errors", {})}
    return response


class NotRecorded(NotFound):
    """404 for a day the record does not hold (as_of before its history begins): the detail names
    the first recorded day and its address, `errors` the parameter and the days that can be asked."""

    def __init__(self, detail: str, errors: dict):
        super().__init__(detail)
        self.errors = errors


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a JSON 404 rather than the site's HTML page."""
    return JsonResponse({"detail": "No such API address: see /api/v1/docs/.", "errors": {}}, status=404)
