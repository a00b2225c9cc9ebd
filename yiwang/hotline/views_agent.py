"""The centre's agent desk (话务员): desk, phone intake with caller look-up, knowledge search and
answering a consultation from it, reviewing send-backs and deciding extensions.

Every page is the centre's: a user with no hotline role gets 403, a department clerk 403 (the
desk sends them to their queue instead). What belongs to another centre's regions is 404, as
in the API. Each form calls exactly one service; its refusal shows on the form."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.hotline import access, forms_agent, services
from yiwang.hotline import knowledge as kb
from yiwang.hotline.forms_common import Choices, in_regions, region_choices, topic_choices
from yiwang.hotline.models import (
    ArticleStatus,
    AssignmentRole,
    Category,
    Extension,
    KnowledgeArticle,
    OrderStatus,
    RequestStatus,
    SendBack,
    WorkOrder,
)
from yiwang.hotline.pages import Reach, nav, reach, require_staff, staff_only
from yiwang.hotline.permissions import CENTRE_SUFFIX
from yiwang.kernel import search as kernel_search
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.forms import SummaryForm
from yiwang.kernel.formviews import done, form_page, object_or_404, submit, summary_of
from yiwang.kernel.models import Department

#: Rows of each list on the desk.
DESK_ROWS = 10
#: Earlier orders shown for a caller.
CALLER_ROWS = 20
#: Knowledge results per page; search_articles returns at most 50 (five pages).
KNOWLEDGE_PAGE = 10
KNOWLEDGE_MAX = 50


def _agent(request: HttpRequest) -> tuple[Any, Reach]:
    """The user and their reach: an agent of the centre (``hotline.intake``), else 403."""
    user: Any = request.user
    found = require_staff(user, centre=True)
    if not found.intake:
        raise PermissionDenied
    return user, found


def _get_summary(form: Any) -> list[dict[str, str]]:
    """The error summary of a GET form (a plain form, not a SummaryForm)."""
    return [
        {
            "href": f"#{bound.auto_id}",
            "message": _("%(label)s：%(message)s") % {"label": bound.label, "message": message},
        }
        for bound in form
        for message in bound.errors
    ]


def _centre_orders(user: Any, found: Reach) -> QuerySet[WorkOrder]:
    return access.orders_for(user).filter(in_regions(found.intake))


# --- the desk -----------------------------------------------------------------------------------


@staff_only
@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    """What waits for the centre in the agent's regions, oldest first, each linked to the page
    where it is handled."""
    user: Any = request.user
    found = reach(user)
    if not found.intake:
        if found.any:
            return redirect("hotline:queue")
        raise PermissionDenied
    orders = _centre_orders(user, found)
    received = orders.filter(status=OrderStatus.RECEIVED, lead_department__isnull=True)
    replied = orders.filter(status=OrderStatus.REPLIED)
    here = in_regions(found.intake, "assignment__order__region__code")
    send_backs = SendBack.objects.filter(here, status=RequestStatus.PENDING)
    extensions = Extension.objects.filter(here, status=RequestStatus.PENDING)
    related = ("assignment__order", "assignment__department")
    context = {
        **nav(user, "desk", found),
        "received": received.select_related(
            "proposed_topic", "proposed_department", "topic"
        ).order_by("created_at", "pk")[:DESK_ROWS],
        "received_count": received.count(),
        "send_backs": send_backs.select_related(*related, "suggested_department").order_by(
            "created_at", "pk"
        )[:DESK_ROWS],
        "send_back_count": send_backs.count(),
        "extensions": extensions.select_related(*related).order_by("created_at", "pk")[:DESK_ROWS],
        "extension_count": extensions.count(),
        "replied": replied.select_related("lead_department").order_by("updated_at", "pk")[
            :DESK_ROWS
        ],
        "replied_count": replied.count(),
        "consultation": Category.CONSULTATION,
    }
    return render(request, "hotline/agent/desk.html", context)


# --- phone intake -------------------------------------------------------------------------------


def _routing_message(order: WorkOrder) -> str:
    if order.lead_department is not None:
        return _("已登记工单 %(no)s，已转%(lead)s办理。") % {
            "no": order.number,
            "lead": order.lead_department.name,
        }
    if order.proposed_topic is not None and order.proposal_confidence is not None:
        return _(
            "已登记工单 %(no)s。系统建议：%(topic)s，%(department)s（置信度 %(confidence)s），"
            "请确认后派单。"
        ) % {
            "no": order.number,
            "topic": order.proposed_topic.name,
            "department": order.proposed_department.name if order.proposed_department else "—",
            "confidence": f"{order.proposal_confidence:.0%}",
        }
    return _("已登记工单 %(no)s，暂无派单建议，请人工派单或用知识库答复。") % {"no": order.number}


def _earlier_orders(user: Any, found: Reach, number: str) -> list[WorkOrder]:
    by_number = Q(**lookup(WorkOrder, "caller_number", number)) | Q(
        **lookup(WorkOrder, "contact_phone", number)
    )
    rows = _centre_orders(user, found).filter(by_number).select_related("topic")
    return list(rows.order_by("-created_at", "-pk")[:CALLER_ROWS])


@staff_only
def intake(request: HttpRequest) -> HttpResponse:
    """来电登记, with the caller look-up (``?caller=``) above the form."""
    user, found = _agent(request)
    caller_form = forms_agent.CallerForm(request.GET if "caller" in request.GET else None)
    earlier: list[WorkOrder] | None = None
    initial: dict[str, Any] = {}
    if caller_form.is_bound and caller_form.is_valid():
        number = caller_form.cleaned_data["caller"]
        earlier = _earlier_orders(user, found, number)
        initial["caller_number"] = number
    regions = region_choices(found.intake)
    if len(found.intake) == 1:
        initial["region"] = next(iter(found.intake))
    form = forms_agent.IntakeForm(
        request.POST if request.method == "POST" else None,
        topics=topic_choices(),
        regions=regions,
        initial=initial,
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        order = services.create_order(
            actor=user,
            channel="phone",
            category=data["category"],
            title=data["title"],
            content=data["content"],
            region_code=data["region"],
            address=data["address"],
            latitude=data["latitude"] or None,
            longitude=data["longitude"] or None,
            urgency=data["urgency"],
            topic_code=data["topic"] or None,
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            caller_number=data["caller_number"],
            recording_ref=data["recording_ref"],
            agent_notes=data["agent_notes"],
            confidential=bool(data["confidential"]),
        )
        return done(request, _routing_message(order), "hotline:order", order_id=order.pk)

    context = {
        **nav(user, "intake", found),
        "caller_form": caller_form,
        "earlier": earlier,
    }
    if request.method != "POST" and caller_form.is_bound and caller_form.errors:
        # A look-up with a malformed number: the page again, the error on the number.
        page = {**context, "form": form, "summary": _get_summary(caller_form)}
        return render(request, "hotline/agent/intake.html", page, status=422)
    return form_page(request, form, act, "hotline/agent/intake.html", context)


# --- knowledge ----------------------------------------------------------------------------------


@dataclass
class KnowledgePage:
    """A page of knowledge results, shaped as ``_pagination.html`` reads a Django page."""

    number: int
    count: int
    size: int

    @property
    def paginator(self) -> KnowledgePage:
        return self

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(min(self.count, KNOWLEDGE_MAX) / self.size))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _terms(q: str) -> list[str]:
    """The words to mark in results: the query's and its synonyms', longest first."""
    found: set[str] = set()
    for variant in kb.expand(q):
        found.update(w for w in kernel_search.words(variant, for_search=False) if w.strip())
    long_words = [w for w in found if len(w) > 1]
    return sorted(long_words or found, key=len, reverse=True)


def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with each of ``terms`` marked (``<mark>``)."""
    if not terms:
        return format_html("{}", text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    parts: list[tuple[str, str]] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(("{}", text[last : match.start()]))
        parts.append(("<mark>{}</mark>", match.group(0)))
        last = match.end()
    parts.append(("{}", text[last:]))
    return format_html_join("", "{}", ((format_html(f, v),) for f, v in parts))


def _answerable(user: Any, order_id: str | None) -> tuple[WorkOrder | None, str]:
    """The order named by ``?order=`` (404 when the agent may not see it) and, when it can no
    longer be answered from the knowledge base, why."""
    if not order_id:
        return None, ""
    try:
        order = access.get_order_for(user, order_id)
    except DomainError as exc:
        raise Http404 from exc
    if not access.is_centre(user, order):
        raise Http404
    if order.category != Category.CONSULTATION:
        return order, _("该工单不是咨询类，不能用知识库答复。")
    if order.status != OrderStatus.RECEIVED:
        return order, _("该工单当前为“%(status)s”，不能再用知识库答复。") % {
            "status": order.get_status_display()
        }
    return order, ""


@staff_only
@require_safe
def knowledge(request: HttpRequest) -> HttpResponse:
    """Knowledge search (Chinese full text with synonyms), by topic; ``?order=`` carries the
    consultation being answered through to the article page."""
    user: Any = request.user
    found = require_staff(user)
    order, why_not = _answerable(user, request.GET.get("order"))
    data = request.GET.copy()
    if order is not None and "q" not in data:
        data["q"] = order.title
    form = forms_agent.KnowledgeSearchForm(data, topics=topic_choices())
    hits: list[dict[str, Any]] = []
    page: KnowledgePage | None = None
    q = ""
    status = 200
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        topic = form.cleaned_data["topic"] or None
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        if q or topic:
            number = min(number, KNOWLEDGE_MAX // KNOWLEDGE_PAGE)
            results = kb.search_articles(
                q,
                public=False,
                actor=user,
                topic_code=topic,
                limit=min(KNOWLEDGE_MAX, number * KNOWLEDGE_PAGE),
            )
            page = KnowledgePage(number=number, count=results.total, size=KNOWLEDGE_PAGE)
            number = min(number, page.num_pages)
            page.number = number
            terms = _terms(q) if q else []
            start = (number - 1) * KNOWLEDGE_PAGE
            hits = [
                {
                    "hit": hit,
                    "title": highlight(hit.title, terms),
                    "summary": highlight(hit.summary, terms),
                    "draft": hit.status != ArticleStatus.PUBLISHED,
                }
                for hit in results.hits[start : start + KNOWLEDGE_PAGE]
            ]
    elif form.is_bound:
        status = 422
    context = {
        **nav(user, "knowledge", found),
        "form": form,
        "summary": _get_summary(form) if status == 422 else [],
        "q": q,
        "hits": hits,
        "page": page,
        "order": order,
        "why_not": why_not,
    }
    return render(request, "hotline/agent/knowledge.html", context, status=status)


def _article_context(
    user: Any, found: Reach, article: KnowledgeArticle, order: WorkOrder | None, why_not: str
) -> dict[str, Any]:
    return {
        **nav(user, "knowledge", found),
        "article": article,
        "versions": article.versions.select_related("created_by").order_by("-version"),
        "review_overdue": article.review_due_on < timezone.localdate(),
        "order": order,
        "why_not": why_not,
        "may_answer": (
            order is not None and not why_not and article.status == ArticleStatus.PUBLISHED
        ),
    }


@staff_only
def knowledge_article(request: HttpRequest, article_id: int) -> HttpResponse:
    """An article with its owner, review date and versions; with ``?order=`` (a consultation
    still at the centre) the form that answers it with this article and completes it."""
    user: Any = request.user
    found = require_staff(user)
    article = object_or_404(kb.get_article_for_user, user, article_id)
    order, why_not = _answerable(user, request.GET.get("order"))
    if request.method == "POST" and order is None:
        raise Http404
    form = forms_agent.AnswerForm(request.POST if request.method == "POST" else None)

    def act(data: dict[str, Any]) -> HttpResponse:
        assert order is not None  # noqa: S101 (checked above)
        services.answer_from_article(actor=user, order=order, article=article, note=data["note"])
        message = _("工单 %(no)s 已用知识“%(title)s”答复并办结，已短信告知来电人。") % {
            "no": order.number,
            "title": article.title,
        }
        return done(request, message, "hotline:order", order_id=order.pk)

    context = _article_context(user, found, article, order, why_not)
    return form_page(request, form, act, "hotline/agent/article.html", context)


# --- send-backs and extensions ------------------------------------------------------------------


def _request_for(user: Any, model: Any, pk: int) -> Any:
    """A send-back or extension the user's centre reviews: 404 when the order is not one the
    user may see (another centre's), 403 when they see it but are not its centre."""
    row = (
        model.objects.select_related(
            "assignment__order__lead_department",
            "assignment__order__topic",
            "assignment__department",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if row is None or not access.may_see(user, row.assignment.order):
        raise Http404
    if not access.is_centre(user, row.assignment.order):
        raise PermissionDenied
    return row


def _departments(found: Reach, exclude: int) -> Choices:
    rows = (
        Department.objects.filter(in_regions(found.intake, "region__code"), is_active=True)
        .exclude(pk=exclude)
        .exclude(code__endswith=CENTRE_SUFFIX)
        .order_by("region_id", "code")
    )
    return [(d.code, d.name) for d in rows]


def _posted_action(request: HttpRequest) -> tuple[QueryDict | None, str]:
    """The posted data (None on a GET) and which of a review's two forms was sent."""
    posted = request.POST if request.method == "POST" else None
    return posted, posted.get("action", "") if posted is not None else ""


def _review_page(
    request: HttpRequest,
    agent: tuple[Any, Reach],
    template: str,
    row: SendBack | Extension,
    route: str,
    forms: tuple[SummaryForm, SummaryForm],
    status: int,
    **extra: Any,
) -> HttpResponse:
    """A send-back's or extension's review page (``hotline/agent/_review.html``): the request,
    and while it is pending its approve and reject forms, posted to ``route``."""
    approve_form, reject_form = forms
    bound = {k: f for k, f in (("a", approve_form), ("r", reject_form)) if f.is_bound}
    user, found = agent
    context = {
        **nav(user, "desk", found),
        "assignment": row.assignment,
        "order": row.assignment.order,
        "pending": row.status == RequestStatus.PENDING,
        "decide_url": reverse(route, args=[row.pk]),
        "approve_form": approve_form,
        "reject_form": reject_form,
        "summary": summary_of(bound),
        **extra,
    }
    return render(request, template, context, status=status)


@staff_only
def send_back_review(request: HttpRequest, send_back_id: int) -> HttpResponse:
    """退单审核: accept and re-dispatch (a lead's order) or release (a supporting department),
    or reject — the department holds the order again."""
    user, found = _agent(request)
    row: SendBack = _request_for(user, SendBack, send_back_id)
    assignment = row.assignment
    lead = assignment.role == AssignmentRole.LEAD
    departments = _departments(found, assignment.department_id)
    suggested = row.suggested_department.code if row.suggested_department else ""
    posted, action = _posted_action(request)
    approve_form = forms_agent.ReviewApproveForm(
        posted if action == "approve" else None,
        prefix="approve",
        departments=departments,
        initial={"lead": suggested},
    )
    reject_form = forms_agent.NoteRequiredForm(
        posted if action == "reject" else None, prefix="reject"
    )

    def show(status: int = 200) -> HttpResponse:
        return _review_page(
            request,
            (user, found),
            "hotline/agent/send_back.html",
            row,
            "hotline:send-back-review",
            (approve_form, reject_form),
            status,
            send_back=row,
            lead=lead,
        )

    if posted is None:
        return show()
    if action not in {"approve", "reject"}:
        raise Http404
    form: SummaryForm = approve_form if action == "approve" else reject_form

    def act(data: dict[str, Any]) -> HttpResponse:
        if action == "approve":
            services.review_send_back(
                actor=user,
                send_back=row,
                approve=True,
                note=data["note"],
                lead_code=(data["lead"] or None) if lead else None,
            )
            if lead:
                message = _("已同意退单，工单 %(no)s 已改派。")
            else:
                message = _("已同意退单，%(department)s不再协办工单 %(no)s。")
        else:
            services.review_send_back(actor=user, send_back=row, approve=False, note=data["note"])
            message = _("已驳回退单，工单 %(no)s 仍由%(department)s办理。")
        message %= {"no": assignment.order.number, "department": assignment.department.name}
        return done(request, message, "hotline:send-back-review", send_back_id=row.pk)

    return submit(form, act, lambda shown, status: show(status))


@staff_only
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    """延期审核: approved, the department's due date moves by the amount asked."""
    user, found = _agent(request)
    row: Extension = _request_for(user, Extension, extension_id)
    posted, action = _posted_action(request)
    approve_form = forms_agent.NoteForm(posted if action == "approve" else None, prefix="approve")
    reject_form = forms_agent.NoteRequiredForm(
        posted if action == "reject" else None, prefix="reject"
    )

    def show(status: int = 200) -> HttpResponse:
        return _review_page(
            request,
            (user, found),
            "hotline/agent/extension.html",
            row,
            "hotline:extension-decide",
            (approve_form, reject_form),
            status,
            extension=row,
        )

    if posted is None:
        return show()
    if action not in {"approve", "reject"}:
        raise Http404
    form: SummaryForm = approve_form if action == "approve" else reject_form

    def act(data: dict[str, Any]) -> HttpResponse:
        approve = action == "approve"
        decided = services.decide_extension(
            actor=user, extension=row, approve=approve, note=data["note"]
        )
        if approve:
            message = _("已同意延期，新的办理期限为 %(due)s。") % {
                "due": _local(decided.assignment.due_at)
            }
        else:
            message = _("已不同意延期，办理期限不变。")
        return done(request, message, "hotline:extension-decide", extension_id=row.pk)

    return submit(form, act, lambda shown, status: show(status))


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = []
