from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe
@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """The floor of the benchmark: the same middleware and login as every staff page, no work.

    Each page's latency is reported as a multiple of this one, so the numbers say what the
    page costs on top of what any request costs on the machine at hand.
    """
    return HttpResponse("ok", content_type="text/plain")
