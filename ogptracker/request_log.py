"""Middleware that logs one line per request: method, path, status and duration in ms."""

import logging
import time

logger = logging.getLogger("ogptracker.request")


class RequestLogMiddleware:
    """Logs after the view has answered; placed first so the time covers every other middleware.

    A streamed response (the exports) is logged when its headers are ready, so the duration is the
    time to the first byte, not to the last one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        method, path = _printable(request.method or ""), _printable(request.path)
        logger.info(
            "%s %s %s %.1fms",
            method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
            },
        )
        return response


def _printable(text: str) -> str:
    """The text with control characters escaped, so a crafted path cannot forge a log line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
