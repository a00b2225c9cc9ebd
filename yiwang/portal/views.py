"""The citizen portal's landing page and the staff home (workbench entry)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yiwang.kernel import services as kernel


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_staff:
        raise PermissionDenied
    return render(request, "portal/staff_home.html",
                  {"assignments": kernel.roles_of(user)})
