"""The export of a catalog list as a spreadsheet (CSV or XLSX), every column of the kind's
resource, the rows the list's filters and search leave.

django-import-export's own admin mixin is not used: the library's admin module loads every
tablib format, openpyxl included, and an installed `import_export` app has its admin module
imported by the admin's autodiscovery at every cold start. This module, the resources and
the library are imported when a page asks for them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from catalog.resources import RESOURCES

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_file(model_admin: Any, request: HttpRequest, file_format: str) -> HttpResponse:
    changelist = model_admin.get_changelist_instance(request)
    rows = changelist.get_queryset(request)
    dataset = RESOURCES[model_admin.kind]().export(queryset=rows)
    content = dataset.csv if file_format == "csv" else dataset.xlsx
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    name = f"{model_admin.kind}-{timezone.now():%Y%m%d-%H%M}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
