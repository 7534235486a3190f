"""The list's downloads: /commitments/export.csv, .xlsx and .json, filtered as /commitments/ is."""

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .. import exports
from ..filters import CommitmentFilter
from ..models import Commitment

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _commitments(request):
    """The commitments the list shows for the same query string (invalid filters are ignored)."""
    return CommitmentFilter(request.GET, queryset=Commitment.objects.all(), request=request).qs


def _filename(extension):
    return f"ogptracker-commitments-{timezone.localdate():%Y-%m-%d}.{extension}"


def _attachment(response, extension):
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    return response


def export_csv(request):
    response = StreamingHttpResponse(exports.csv_chunks(_commitments(request)),
                                     content_type="text/csv; charset=utf-8")
    return _attachment(response, "csv")


def export_json(request):
    response = StreamingHttpResponse(exports.json_chunks(_commitments(request)),
                                     content_type="application/json; charset=utf-8")
    return _attachment(response, "json")


def export_xlsx(request):
    return FileResponse(exports.xlsx_file(_commitments(request)), as_attachment=True,
                        filename=_filename("xlsx"), content_type=XLSX_TYPE)
