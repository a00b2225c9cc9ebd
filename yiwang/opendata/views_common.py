"""What the open-data pages share: one form, one service call, and either a redirect with a
message or the page again with the refusal in the error summary; paging; labels of facet
values."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from yiwang.kernel.errors import DomainError
from yiwang.kernel.forms import SummaryForm
from yiwang.opendata import services
from yiwang.opendata.models import OpenType, Publisher, Theme

View = Callable[..., HttpResponse]
Act = Callable[[dict[str, Any]], HttpResponse]

#: Signed-in members of the public (or staff): sent to the public sign-in otherwise.
signed_in = login_required(login_url=reverse_lazy("identity:login"))


def raise_for(exc: DomainError) -> None:
    """A refusal that is not about the input: the 404 and 403 pages."""
    if exc.status == 404:
        raise Http404 from exc
    if exc.status == 403 and getattr(exc, "code", "") != "opendata_access_required":
        raise PermissionDenied from exc


def found_or_404(lookup: Callable[..., Any], *args: Any) -> Any:
    """What a ``*_for_user`` service finds; anything it refuses is 404."""
    try:
        return lookup(*args)
    except DomainError as exc:
        raise Http404 from exc


def done(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponse:
    messages.success(request, message)
    response: HttpResponse = redirect(to, *args)
    return response


def form_page(
    request: HttpRequest,
    form: SummaryForm,
    act: Act,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A page with one form: shown on GET; on POST the form is checked and ``act`` called;
    a refusal comes back on the page (422 for a bad form, the service's status otherwise)."""

    def show(status: int) -> HttpResponse:
        summary = form.summary() if form.is_bound else []
        return render(
            request, template, {**context, "form": form, "summary": summary}, status=status
        )

    if request.method != "POST":
        return show(200)
    if not form.is_valid():
        return show(422)
    try:
        return act(form.cleaned_data)
    except DomainError as exc:
        raise_for(exc)
        form.apply_error(exc)
        return show(exc.status if 400 <= exc.status < 500 else 422)


# --- paging ----------------------------------------------------------------------------------


@dataclass
class Pagination:
    page: int
    pages: int
    previous: str
    next: str
    numbers: list[tuple[int, str]]


def page_number(request: HttpRequest, *, maximum: int = 1000) -> int:
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), maximum)) if raw.isdigit() else 1


def pagination(request: HttpRequest, *, page: int, count: int, size: int) -> Pagination | None:
    pages = max(1, math.ceil(count / size))
    if pages <= 1:
        return None
    params = request.GET.copy()

    def url(number: int) -> str:
        params["page"] = str(number)
        return "?" + params.urlencode()

    low, high = max(1, page - 3), min(pages, page + 3)
    return Pagination(
        page=page,
        pages=pages,
        previous=url(page - 1) if page > 1 else "",
        next=url(page + 1) if page < pages else "",
        numbers=[(n, url(n)) for n in range(low, high + 1)],
    )


def query(params: Iterable[tuple[str, str]]) -> str:
    encoded = urlencode(list(params))
    return f"?{encoded}" if encoded else "?"


# --- labels ----------------------------------------------------------------------------------


def facet_labels(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, str]]:
    """Readable labels of facet values: organisation titles, theme and open-type names,
    region names; tags and formats are their own labels."""
    labels: dict[str, dict[str, str]] = {}
    names = list(facets.get("organization", {}))
    publishers = Publisher.objects.select_related("department").filter(name__in=names)
    labels["organization"] = {p.name: services.publisher_title(p) for p in publishers}
    labels["theme"] = {v: str(label) for v, label in Theme.choices}
    labels["open_type"] = {v: str(label) for v, label in OpenType.choices}
    labels["region"] = services.region_names(facets.get("region", {}))
    return labels


def posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one), None otherwise (an unbound form)."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> tuple[Any, Any]:
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None
