from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from panel.selectors import panelist_list
from tenants.access import staff_required
from tenants.roles import Perm
from tenants.views import render_console


@staff_required(Perm.PANELISTS_VIEW)
def console_panelists(request: HttpRequest) -> HttpResponse:
    page = Paginator(panelist_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))  # type: ignore[attr-defined]
    return render_console(request, "console/panelists.html", "panelists", {"page": page})
