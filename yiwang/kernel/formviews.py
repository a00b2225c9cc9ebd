"""The shape the staff form views share (exchange, hotline): find the object the user may
see (else 404), bind the form, call one service, and either answer (a redirect with a
message) or show the page again with the refusal in the error summary and on the field it
names.

A refusal that is not about the input (404, 403) is the 404 or 403 page instead, as the API
answers it; a view that shows some of those on the form says which (``pages``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from yiwang.kernel.errors import DomainError
from yiwang.kernel.forms import SummaryForm

T = TypeVar("T")
F = TypeVar("F", bound=SummaryForm)

#: Calls the service with the form's cleaned data and answers the POST.
Act = Callable[[dict[str, Any]], HttpResponse]
#: Shows the page again with the refused form, answering with the given status.
Refused = Callable[[F, int], HttpResponse]

#: Refusal statuses shown as error pages rather than on the form.
ERROR_PAGES = (403, 404)


def raise_for(exc: DomainError, pages: Collection[int] = ERROR_PAGES) -> None:
    """A refusal that is not about the input: the 404 and 403 pages."""
    if exc.status == 404 and 404 in pages:
        raise Http404 from exc
    if exc.status == 403 and 403 in pages:
        raise PermissionDenied from exc


def object_or_404(lookup: Callable[..., T], *args: Any) -> T:
    """What a ``*_for_user`` service finds; anything it refuses is 404 (missing and forbidden
    look the same)."""
    try:
        return lookup(*args)
    except DomainError as exc:
        raise Http404 from exc


def done(request: HttpRequest, message: str, to: str, **kwargs: Any) -> HttpResponse:
    """The answer to a POST that worked: a message on the next page, and a redirect to it."""
    messages.success(request, message)
    response: HttpResponse = redirect(to, **kwargs)
    return response


def told_back(request: HttpRequest, exc: DomainError, to: str, **kwargs: Any) -> HttpResponse:
    """The answer to a refused button with no form: the refusal as a message on the page it
    came from (404 and 403 as their pages)."""
    raise_for(exc)
    messages.error(request, str(exc.message))
    response: HttpResponse = redirect(to, **kwargs)
    return response


def submit(
    form: F, act: Act, refused: Refused[F], *, pages: Collection[int] = ERROR_PAGES
) -> HttpResponse:
    """Validate ``form`` and ``act`` on its data; an invalid form is shown again (422), and a
    refusal raised as its error page (a status in ``pages``) or put on the form."""
    if not form.is_valid():
        return refused(form, 422)
    try:
        return act(form.cleaned_data)
    except DomainError as exc:
        raise_for(exc, pages)
        form.apply_error(exc)
        return refused(form, exc.status)


def form_page(
    request: HttpRequest,
    form: SummaryForm,
    act: Act,
    template: str,
    context: dict[str, Any],
    *,
    pages: Collection[int] = ERROR_PAGES,
) -> HttpResponse:
    """A page with one form: shown on GET; on POST, :func:`submit` with the page again (the
    form, its error summary and the refusal's status) when the form or the service refuses."""

    def show(shown: SummaryForm, status: int) -> HttpResponse:
        summary = shown.summary() if shown.is_bound else []
        page = {**context, "form": shown, "summary": summary}
        return render(request, template, page, status=status)

    if request.method != "POST":
        return show(form, 200)
    return submit(form, act, show, pages=pages)


def summary_of(bound_forms: dict[str, Any]) -> list[dict[str, str]]:
    """The error summary of a page with several forms."""
    summary: list[dict[str, str]] = []
    for form in bound_forms.values():
        summary += form.summary()
    return summary
