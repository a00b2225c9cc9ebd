"""Citizens' pages: submit a request, my requests (track, rate, reopen) and the public knowledge
search.

Public pages, mobile first: they work without JavaScript (a static script adds "use my
location"; htmx, when present, shows matching knowledge while a consultation is written).
A citizen sees only their own orders (anybody else's is 404), only the public steps of the
timeline and the departments' names — never staff names or internal notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.hotline import access, deadlines, knowledge, services, uploads
from yiwang.hotline.forms_citizen import (
    CATEGORY_HINTS,
    KnowledgeSearchForm,
    RateForm,
    ReopenForm,
    RequestForm,
)
from yiwang.hotline.models import (
    ArticleStatus,
    Category,
    DeadlineUnit,
    Feedback,
    OrderEvent,
    OrderStatus,
    WorkOrder,
)
from yiwang.hotline.services_loop import reopen_days
from yiwang.kernel import calendar
from yiwang.kernel import search as kernel_search
from yiwang.kernel.errors import DomainError
from yiwang.kernel.forms import SummaryForm
from yiwang.kernel.formviews import form_page, object_or_404, raise_for

#: Citizens sign in on the public sign-in page.
signed_in = login_required(login_url=reverse_lazy("identity:login"))

#: The hotline's number, shown on every citizen page.
HOTLINE_NUMBER = "12345"
#: Orders per page of "my requests"; articles per page of the public search.
PAGE_SIZE = 10
#: The public search ranks at most this many articles (knowledge.search_articles' limit).
SEARCH_DEPTH = 50
#: Articles shown as "可能对您有帮助" while a consultation is written.
SUGGESTIONS = 3

#: Each status in the words a citizen reads.
PLAIN_STATUS: dict[str, Any] = {
    OrderStatus.RECEIVED: gettext_lazy("已受理，正在确定办理部门"),
    OrderStatus.DISPATCHED: gettext_lazy("已转交办理部门"),
    OrderStatus.IN_PROGRESS: gettext_lazy("部门正在办理"),
    OrderStatus.REPLIED: gettext_lazy("部门已答复，等待办结"),
    OrderStatus.COMPLETED: gettext_lazy("已办结，请您评价"),
    OrderStatus.CLOSED: gettext_lazy("已评价，诉求已办结"),
    OrderStatus.REOPENED: gettext_lazy("已重新办理"),
    OrderStatus.MERGED: gettext_lazy("已与相同诉求合并办理"),
}

#: The closed loop as the citizen sees it: each step and the timeline kinds that reach it.
LOOP: list[tuple[str, Any, tuple[str, ...]]] = [
    ("received", gettext_lazy("受理"), ("received",)),
    ("dispatched", gettext_lazy("派单"), ("dispatched", "redispatched")),
    ("handling", gettext_lazy("办理"), ("signed_for",)),
    ("replied", gettext_lazy("答复"), ("replied", "answered")),
    ("completed", gettext_lazy("办结"), ("completed",)),
    ("rated", gettext_lazy("评价"), ("rated", "callback")),
]
#: Timeline kinds whose note is an answer the citizen may read.
ANSWER_KINDS = ("replied", "answered")


def _user(request: HttpRequest) -> Any:
    return request.user


def _bound(request: HttpRequest) -> tuple[Any, ...]:
    if request.method == "POST":
        return (request.POST, request.FILES)
    return ()


def _own_order(request: HttpRequest, order_id: int) -> WorkOrder:
    """The signed-in citizen's own order; anybody else's (even one a staff role may see) is
    404."""
    user = _user(request)
    order: WorkOrder = object_or_404(access.get_order_for, user, order_id)
    if order.citizen_id is None or order.citizen_id != user.pk:
        raise Http404
    return order


def plain_status(order: WorkOrder) -> str:
    return str(PLAIN_STATUS.get(order.status, order.get_status_display()))


# --- landing ------------------------------------------------------------------------------------


@require_safe
def citizen_home(request: HttpRequest) -> HttpResponse:
    context = {
        "hotline_number": HOTLINE_NUMBER,
        "search_form": KnowledgeSearchForm(),
        "categories": _category_rows(),
    }
    return render(request, "hotline/citizen/home.html", context)


def _category_rows() -> list[dict[str, Any]]:
    return [
        {"label": label, "hint": CATEGORY_HINTS.get(value, "")} for value, label in Category.choices
    ]


# --- submitting a request -----------------------------------------------------------------------


def _channel(request: HttpRequest) -> str:
    """The same pages serve the portal and phones: a request from a mobile browser (the
    ``Sec-CH-UA-Mobile`` client hint, or "Mobi" in the user agent, as browsers mark it) is
    filed through the mobile channel, anything else through the web."""
    hint = request.headers.get("Sec-CH-UA-Mobile", "")
    agent = request.headers.get("User-Agent", "")
    return "mobile" if hint == "?1" or "Mobi" in agent else "web"


@signed_in
def citizen_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {"contact_phone": str(getattr(user, "mobile", "") or "")}
    form = RequestForm(*_bound(request), initial=initial)

    def act(data: dict[str, Any]) -> HttpResponse:
        # The photos and the order stand or fall together.
        with uploads.photos_kept(user, data["photos"]) as photos:
            order = services.create_order(
                actor=user,
                channel=_channel(request),
                category=data["category"],
                title=data["title"],
                content=data["content"],
                region_code=data["region"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                contact_name=str(getattr(user, "display_name", "") or "")[:50],
                contact_phone=data["contact_phone"],
                confidential=data["confidential"],
                photos=photos,
            )
        return redirect("hotline:citizen-received", order_id=order.pk)

    context = {
        "hotline_number": HOTLINE_NUMBER,
        "suggestions": _suggestions_for(request.POST) if request.method == "POST" else [],
    }
    return form_page(request, form, act, "hotline/citizen/new.html", context)


#: Words that say nothing about what a consultation is about.
FILLER_WORDS = frozenset(
    [
        "请问",
        "你好",
        "您好",
        "怎么",
        "怎么办",
        "怎样",
        "什么",
        "如何",
        "哪里",
        "哪些",
        "可以",
        "能否",
        "是否",
        "需要",
        "我们",
        "我家",
        "自己",
        "这个",
        "那个",
        "一下",
        "现在",
        "已经",
        "没有",
        "问题",
        "咨询",
        "谢谢",
        "知道",
        "想问",
        "为什么",
    ]
)
#: Words of a consultation's text looked up, the longest first.
SUGGESTION_WORDS = 4


def _keywords(text: str) -> list[str]:
    found: list[str] = []
    for word in kernel_search.words(text, for_search=False):
        if len(word) >= 2 and word not in FILLER_WORDS and word not in found:
            found.append(word)
    return sorted(found, key=len, reverse=True)[:SUGGESTION_WORDS]


def _suggestions_for(data: Any) -> list[knowledge.ArticleHit]:
    """Published articles matching a consultation's text (none for other categories): each
    of its main words is looked up, and articles matching more of them come first."""
    if data.get("category") != Category.CONSULTATION:
        return []
    text = f"{data.get('title', '')} {data.get('content', '')}"[:500]
    found: dict[int, tuple[int, float, knowledge.ArticleHit]] = {}
    for word in _keywords(text):
        for hit in knowledge.search_articles(word, public=True, limit=SUGGESTIONS).hits:
            matched, best, _hit = found.get(hit.id, (0, 0.0, hit))
            found[hit.id] = (matched + 1, max(best, hit.score), hit)
    ranked = sorted(found.values(), key=lambda row: (-row[0], -row[1], row[2].id))
    return [hit for _matched, _score, hit in ranked[:SUGGESTIONS]]


@require_safe
def citizen_suggestions(request: HttpRequest) -> HttpResponse:
    """The "可能对您有帮助" panel of the request form (fetched by htmx as the text is typed)."""
    hits = _suggestions_for(request.GET)
    return render(request, "hotline/citizen/_suggestions.html", {"suggestions": hits})


def _time_limit(order: WorkOrder) -> dict[str, Any]:
    """When the answer is due: the order's own due time once dispatched, else the time limit
    its category and urgency get."""
    limit = deadlines.limit_for(order.category, order.urgency)
    return {
        "due_at": order.due_at,
        "amount": limit.amount,
        "in_hours": limit.unit == DeadlineUnit.HOURS,
    }


@signed_in
@require_safe
def citizen_received(request: HttpRequest, order_id: int) -> HttpResponse:
    """The acknowledgement after submitting: the number and what happens next."""
    order = _own_order(request, order_id)
    context = {
        "order": order,
        "status_text": plain_status(order),
        "limit": _time_limit(order),
        "hotline_number": HOTLINE_NUMBER,
        "suggestions": _suggestions_for({"category": order.category, "content": order.content}),
    }
    return render(request, "hotline/citizen/received.html", context)


# --- my requests --------------------------------------------------------------------------------


@signed_in
@require_safe
def citizen_orders(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    orders = (
        access.orders_for(user)
        .filter(citizen=user)
        .select_related("lead_department")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"order": o, "status_text": plain_status(o)} for o in page.object_list]
    return render(request, "hotline/citizen/orders.html", {"page": page, "rows": rows})


@dataclass
class Step:
    key: str
    label: str
    at: dt.datetime | None
    state: str  # done, current, skipped, todo


def _progress(order: WorkOrder, timeline: list[OrderEvent]) -> list[Step]:
    """The closed loop 受理 → 派单 → 办理 → 答复 → 办结 → 评价 of the current round (after the
    last reopening), each step with the date it was reached."""
    reopened = [n for n, e in enumerate(timeline) if e.kind == "reopened"]
    round_events = timeline[reopened[-1] + 1 :] if reopened else timeline
    reached: dict[str, dt.datetime | None] = {}
    for key, _label, kinds in LOOP:
        pool = timeline if key == "received" else round_events
        found = next((e.created_at for e in pool if e.kind in kinds), None)
        if key == "received" and found is None:
            found = order.created_at
        if key == "handling" and found is None and reached.get("dispatched"):
            # a department that answers at once signs for the order on the way
            found = next((e.created_at for e in pool if e.kind == "replied"), None)
        reached[key] = found
    last = max((n for n, (key, _l, _k) in enumerate(LOOP) if reached[key]), default=0)
    running = order.status not in (OrderStatus.CLOSED, OrderStatus.MERGED)
    steps = []
    for n, (key, label, _kinds) in enumerate(LOOP):
        if reached[key] is not None:
            state = "done"
        elif n < last:
            state = "skipped"
        elif n == last + 1 and running:
            state = "current"
        else:
            state = "todo"
        steps.append(Step(key, str(label), reached[key], state))
    return steps


def _answers(order: WorkOrder, timeline: list[OrderEvent]) -> list[dict[str, Any]]:
    """The answers given: each department's public reply (the hotline's own for an answer
    from the knowledge base or a merged order's)."""
    rows = [
        {
            "department": e.department.name if e.department else _("12345热线"),
            "at": e.created_at,
            "text": e.note,
        }
        for e in timeline
        if e.kind in ANSWER_KINDS and e.note
    ]
    if not rows and order.answer:
        rows.append(
            {
                "department": order.lead_department.name
                if order.lead_department
                else _("12345热线"),
                "at": order.completed_at or order.updated_at,
                "text": order.answer,
            }
        )
    return rows


def _reopen_window(order: WorkOrder, feedback: Feedback | None) -> dict[str, Any]:
    """Whether the citizen may ask for the order to be handled again, and until when."""
    if order.status != OrderStatus.CLOSED or feedback is None or feedback.score > 2:
        return {"allowed": False, "applies": False}
    closed_on = timezone.localtime(order.closed_at or timezone.now()).date()
    days = reopen_days()
    last_day = calendar.add_working_days(closed_on, days)
    open_now = calendar.working_days_between(closed_on, timezone.localdate()) <= days
    return {"allowed": open_now, "applies": True, "last_day": last_day, "days": days}


def _order_page(
    request: HttpRequest,
    order: WorkOrder,
    *,
    rate_form: SummaryForm | None = None,
    reopen_form: SummaryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    timeline = list(
        order.events.filter(public=True).select_related("department").order_by("created_at", "pk")
    )
    feedback_rows = list(Feedback.objects.filter(order=order).order_by("round"))
    current = next((f for f in feedback_rows if f.round == order.reopen_count), None)
    rate_form = rate_form or RateForm()
    reopen_form = reopen_form or ReopenForm()
    summary = [*(rate_form.summary() if rate_form.is_bound else [])]
    summary += reopen_form.summary() if reopen_form.is_bound else []
    merged_event = next((e for e in reversed(timeline) if e.kind == "merged"), None)
    context = {
        "order": order,
        "status_text": plain_status(order),
        "steps": _progress(order, timeline),
        "answers": _answers(order, timeline),
        "feedback": feedback_rows,
        "can_rate": order.status == OrderStatus.COMPLETED and current is None,
        "rate_form": rate_form,
        "reopen_form": reopen_form,
        "reopen": _reopen_window(order, current),
        "summary": summary,
        "limit": _time_limit(order),
        "merged_note": merged_event.note if merged_event else "",
        "contact": access.contact_for(_user(request), order),
        "photo_count": order.attachments.filter(assignment__isnull=True).count(),
        "hotline_number": HOTLINE_NUMBER,
    }
    return render(request, "hotline/citizen/order.html", context, status=status)


@signed_in
@require_safe
def citizen_order(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_page(request, _own_order(request, order_id))


def _acted(
    request: HttpRequest,
    order: WorkOrder,
    form: SummaryForm,
    call: Any,
    message: str,
    which: str,
) -> HttpResponse:
    """Validate ``form``, call the service; a refusal is shown on the order page."""
    status = 422
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            raise_for(exc)
            form.apply_error(exc)
            status = exc.status
        else:
            messages.success(request, message)
            return redirect("hotline:citizen-order", order_id=order.pk)
    order.refresh_from_db()
    return _order_page(request, order, status=status, **{which: form})


@signed_in
@require_POST
def citizen_rate(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    user = _user(request)

    def call(data: dict[str, Any]) -> None:
        services.rate(
            actor=user,
            order=order,
            score=data["score"],
            resolved=data["resolved"],
            comment=data["comment"],
        )

    form = RateForm(request.POST)
    return _acted(request, order, form, call, _("感谢您的评价。"), "rate_form")


@signed_in
@require_POST
def citizen_reopen(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    user = _user(request)

    def call(data: dict[str, Any]) -> None:
        services.reopen(actor=user, order=order, reason_text=data["reason"])

    form = ReopenForm(request.POST)
    message = _("已申请重办，原办理部门将重新办理。")
    return _acted(request, order, form, call, message, "reopen_form")


# --- the public knowledge base ------------------------------------------------------------------


@require_safe
def public_knowledge(request: HttpRequest) -> HttpResponse:
    form = KnowledgeSearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    pages = 1
    hits: list[knowledge.ArticleHit] = []
    total = 0
    if q:
        depth = min(SEARCH_DEPTH, number * PAGE_SIZE)
        results = knowledge.search_articles(q, public=True, limit=depth)
        total = results.total
        reachable = min(max(total, len(results.hits)), SEARCH_DEPTH)
        pages = max(1, -(-reachable // PAGE_SIZE))
        number = min(number, pages)
        hits = results.hits[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    context = {
        "form": form,
        "q": q,
        "hits": hits,
        "total": total,
        "page_number": number,
        "pages": pages,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
        "capped": q and total > SEARCH_DEPTH,
        "search_depth": SEARCH_DEPTH,
        "hotline_number": HOTLINE_NUMBER,
    }
    return render(request, "hotline/citizen/knowledge.html", context)


@require_safe
def public_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """A published article; drafts and archived ones are 404 to the public (and here to their
    editors too: this is the public page)."""
    article = object_or_404(knowledge.get_article_for_user, _user(request), article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise Http404
    context = {
        "article": article,
        "back_q": request.GET.get("q", "")[:100],
        "hotline_number": HOTLINE_NUMBER,
    }
    return render(request, "hotline/citizen/article.html", context)


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = [
    path(
        "hotline/new/suggestions/",
        citizen_suggestions,
        name="citizen-suggestions",
    ),
    path(
        "hotline/mine/<int:order_id>/received/",
        citizen_received,
        name="citizen-received",
    ),
    path("hotline/mine/<int:order_id>/rate/", citizen_rate, name="citizen-rate"),
    path("hotline/mine/<int:order_id>/reopen/", citizen_reopen, name="citizen-reopen"),
]
