from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse

from panel.selectors import panelist_list
from tenants.access import staff_required
from tenants.http import StaffRequest
from tenants.pages import render_console
from tenants.roles import Perm


@staff_required(Perm.PANELISTS_VIEW)
def console_panelists(request: StaffRequest) -> HttpResponse:
    page = Paginator(panelist_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))
    return render_console(request, "console/panelists.html", "panelists", {"page": page})
