"""The list's downloads: /commitments/export.csv, .xlsx and .json, filtered as /commitments/ is."""

from urllib.parse import urlencode

from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone

from ..filters import CommitmentFilter
from ..freshness import exports as export_cache
from ..models import Commitment
from ..ogp import exporting as exports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filterset(request):
    """The list's filters for the same query string (invalid filters are ignored)."""
    return CommitmentFilter(request.GET, queryset=Commitment.objects.all(), request=request)


def _filename(extension):
    return f"ogptracker-commitments-{timezone.localdate():%Y-%m-%d}.{extension}"


def _attachment(response, extension):
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    return response


def export_csv(request):
    # Kept per data version and filter state, made on a miss only (freshness/exports.py).
    response = export_cache.response("csv", _filterset(request), exports.csv_chunks,
                                     content_type="text/csv; charset=utf-8")
    return _attachment(response, "csv")


def export_json(request):
    response = export_cache.response("json", _filterset(request), exports.json_chunks,
                                     content_type="application/json; charset=utf-8")
    return _attachment(response, "json")


def export_xlsx(request):
    filterset = _filterset(request)
    commitments = filterset.qs
    count = commitments.count()
    if count > exports.XLSX_MAX_ROWS:
        # The workbook is made whole before the first byte is sent: more rows would outlast the
        # server's request timeout (docs/decisions.md). CSV streams, whatever the size.
        return render(request, "commitments/export_too_large.html",
                      {"count": count, "limit": exports.XLSX_MAX_ROWS,
                       "query_string": urlencode(filterset.url_params())}, status=400)
    return FileResponse(exports.xlsx_file(commitments), as_attachment=True,
                        filename=_filename("xlsx"), content_type=XLSX_TYPE)
