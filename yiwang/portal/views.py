"""The citizen portal's landing page, the staff home (workbench entry) and the elder-mode
(长辈版) switch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yiwang.kernel import services as kernel

#: The cookie that keeps the elder-mode choice; read by base.html, so it works without JS.
ELDER_MODE_COOKIE = "yiwang_elder"
ELDER_MODE_MAX_AGE = 365 * 24 * 3600


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_staff:
        raise PermissionDenied
    return render(request, "portal/staff_home.html", {"assignments": kernel.roles_of(user)})


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Turn elder mode on (``mode=on``) or off, then go back to the page the form was on.

    A display preference kept in a cookie, not account data, so no service or audit row."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    if request.POST.get("mode") == "on":
        response.set_cookie(
            ELDER_MODE_COOKIE,
            "1",
            max_age=ELDER_MODE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(ELDER_MODE_COOKIE, samesite="Lax")
    return response
