"""The pages a member of staff keeps on their phone for a visit without signal.

The service worker (static/js/sw.js) asks for this list whenever a staff page opens online,
and keeps those pages, each fresh from the network when there is one (docs/workspace.md,
"Offline"). Only addresses and the names the pages themselves show: nothing else about the
clients leaves the server through it, and the worker never stores the list's response.
"""

from __future__ import annotations

from django.db.models import Subquery
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.selectors.records import sessions_visible_to
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import CENTRE_ROLES

# The clients of a consultant's last ten sessions: a few days of field visits.
RECENT_SESSIONS = 10


@require_safe
@role_required(*STAFF_ROLES)
def offline_pages(request: HttpRequest) -> JsonResponse:
    """``{"pages": [{"url": ..., "title": ...}]}``: Hari ini; for a centre's staff "Catat
    sesi" and the profiles of the clients of their own last sessions (with ``pick`` and
    ``id``)."""
    user = request.user
    pages = [{"url": reverse("mentoring:staff_home"), "title": _("Hari ini")}]
    if user.role in CENTRE_ROLES:
        pages.append({"url": reverse("mentoring:session_create"), "title": _("Catat sesi")})
        recent = Subquery(
            sessions_visible_to(user)
            .filter(consultant=user)
            .order_by("-starts_at")
            .values("pk")[:RECENT_SESSIONS]
        )
        # "pick" and "id" let the session form offer these clients without signal, when its
        # search cannot answer.
        for kind, name, clients in (
            ("enterprise", "mentoring:enterprise_profile", enterprises_visible_to(user)),
            ("cooperative", "mentoring:cooperative_profile", cooperatives_visible_to(user)),
        ):
            rows = clients.filter(sessions__in=recent).distinct().order_by("name")
            pages.extend(
                {"url": reverse(name, args=[pk]), "title": title, "pick": kind, "id": pk}
                for pk, title in rows.values_list("pk", "name")
            )
    return JsonResponse({"pages": pages}, json_dumps_params={"ensure_ascii": False})
