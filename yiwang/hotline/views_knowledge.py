"""The knowledge base's editor pages (知识库维护): the articles of the departments the user edits
for (drafts, published and archived, those due for review marked), a new article, an
article's page where it is edited (each save a new version), published and archived, and the
synonym groups that knowledge search expands a query with.

Editors hold ``hotline.knowledge``: a department's administrator for their department, a
platform administrator for every department of their region. A user who edits for no
department gets 403; an article of a department they do not edit for is 404 (missing and
forbidden look the same). The synonym groups are the whole platform's search vocabulary:
only platform administrators (``hotline.knowledge`` held for a region) set them. Each form
calls exactly one service; its refusal shows on the form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.hotline import forms_knowledge as forms
from yiwang.hotline import knowledge as kb
from yiwang.hotline.forms_common import topic_choices
from yiwang.hotline.models import ArticleStatus, KnowledgeArticle, Synonym
from yiwang.hotline.pages import nav, staff_only
from yiwang.kernel.forms import SummaryForm
from yiwang.kernel.formviews import done, object_or_404, submit, summary_of
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import scope_for

#: Articles per page of the editor's list.
PAGE_SIZE = 20
#: Synonym groups per page.
SYNONYM_PAGE = 50
#: Where these pages sit in the hotline's navigation.
NAV = "knowledge-manage"


def editable_departments(user: Any) -> QuerySet[Department]:
    """The departments ``user`` edits knowledge for; 403 when there are none."""
    scope = scope_for(user, kb.KNOWLEDGE)
    if scope.empty:
        raise PermissionDenied
    return Department.objects.filter(
        Q(pk__in=scope.department_ids) | scope.region_q("region__code"), is_active=True
    ).order_by("region_id", "code")


def may_set_synonyms(user: Any) -> bool:
    """Platform administrators: ``hotline.knowledge`` held for a whole region."""
    return bool(scope_for(user, kb.KNOWLEDGE).region_codes)


def _context(user: Any) -> dict[str, Any]:
    return {**nav(user, NAV), "may_set_synonyms": may_set_synonyms(user)}


def _input_status(status: int) -> int:
    """A refused input is 422 on these pages (the knowledge services answer 400)."""
    return 422 if status == 400 else status


# --- the list -----------------------------------------------------------------------------------


@staff_only
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    """The articles the user may edit, recently changed first, by status and owner; the
    published ones whose review date has come are marked and can be listed alone."""
    user: Any = request.user
    departments = list(editable_departments(user))
    owners = [(str(d.pk), d.name) for d in departments]
    form = forms.ManageFilterForm(request.GET or None, owners=owners)
    today = timezone.localdate()
    articles = KnowledgeArticle.objects.filter(owner__in=departments)
    due = articles.filter(status=ArticleStatus.PUBLISHED, review_due_on__lte=today)
    status = 200
    filtered = False
    if form.is_valid():
        chosen, owner = form.cleaned_data["status"], form.cleaned_data["owner"]
        filtered = bool(chosen or owner)
        if chosen == forms.DUE:
            articles = due
        elif chosen:
            articles = articles.filter(status=chosen)
        if owner:
            articles = articles.filter(owner_id=int(owner))
    elif form.is_bound:
        status = 422
        articles = articles.none()
    rows = articles.select_related("owner", "topic", "updated_by").order_by("-updated_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_context(user),
        "form": form,
        "filtered": filtered,
        "page": page,
        "rows": [
            {
                "article": a,
                "due": a.status == ArticleStatus.PUBLISHED and a.review_due_on <= today,
            }
            for a in page.object_list
        ],
        "due_count": due.count(),
        "due_filter": forms.DUE,
        "summary": _field_summary(form) if status == 422 else [],
    }
    return render(request, "hotline/knowledge/manage.html", context, status=status)


def _field_summary(form: Any) -> list[dict[str, str]]:
    """The error summary of a GET form (a plain form, not a SummaryForm)."""
    return [
        {
            "href": f"#{bound.auto_id}",
            "message": _("%(label)s：%(message)s") % {"label": bound.label, "message": message},
        }
        for bound in form
        for message in bound.errors
    ]


# --- a new article ------------------------------------------------------------------------------


@staff_only
def new(request: HttpRequest) -> HttpResponse:
    """A new article: a draft of one of the user's departments, then its edit page."""
    user: Any = request.user
    departments = {str(d.pk): d for d in editable_departments(user)}
    owners = [(pk, d.name) for pk, d in departments.items()]
    initial = {"owner": next(iter(departments))} if len(departments) == 1 else {}
    form = forms.ArticleForm(
        request.POST if request.method == "POST" else None,
        topics=topic_choices(),
        owners=owners,
        initial=initial,
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        article = kb.create_article(
            actor=user,
            owner=departments[data["owner"]],
            title=data["title"],
            body=data["body"],
            topic_code=data["topic"] or None,
            review_due_on=data["review_due_on"],
        )
        message = _("已保存草稿“%(title)s”。检查无误后即可发布。") % {"title": article.title}
        return done(request, message, "hotline:knowledge-edit", article_id=article.pk)

    def show(shown: SummaryForm, status: int) -> HttpResponse:
        page = {
            **_context(user),
            "form": shown,
            "summary": shown.summary() if shown.is_bound else [],
        }
        return render(request, "hotline/knowledge/new.html", page, status=_input_status(status))

    if request.method != "POST":
        return show(form, 200)
    return submit(form, act, show)


# --- one article --------------------------------------------------------------------------------

ACTIONS = ("update", "publish", "archive")


def _editable(user: Any, article_id: int) -> KnowledgeArticle:
    """The article if the user edits for its department: 403 for users who edit for none,
    404 for an article that is missing or another department's."""
    editable_departments(user)
    article = object_or_404(kb.get_article_for_user, user, article_id)
    if not kb.may_edit(user, article):
        raise Http404
    return article


@staff_only
def edit(request: HttpRequest, article_id: int) -> HttpResponse:
    """An article's editor page: save a new version, publish a draft (optionally with a new
    review date), archive; the version history below. An archived article is read-only."""
    user: Any = request.user
    article = _editable(user, article_id)
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action", "") if posted is not None else ""
    if posted is not None and action not in ACTIONS:
        raise Http404
    update_form = forms.ArticleForm(
        posted if action == "update" else None,
        prefix="update",
        topics=topic_choices(),
        owners=None,
        initial={
            "title": article.title,
            "body": article.body,
            "topic": article.topic.code if article.topic else "",
            "review_due_on": article.review_due_on.isoformat(),
        },
    )
    publish_form = forms.PublishForm(
        posted if action == "publish" else None,
        prefix="publish",
        initial={"review_due_on": article.review_due_on.isoformat()},
    )
    archive_form = forms.ArchiveForm(posted if action == "archive" else None, prefix="archive")
    bound = {"update": update_form, "publish": publish_form, "archive": archive_form}

    def show(status: int = 200) -> HttpResponse:
        context = {
            **_context(user),
            "article": article,
            "versions": article.versions.select_related("created_by").order_by("-version"),
            "review_due": (
                article.status == ArticleStatus.PUBLISHED
                and article.review_due_on <= timezone.localdate()
            ),
            "update_form": update_form,
            "publish_form": publish_form,
            "archive_form": archive_form,
            "summary": summary_of({k: f for k, f in bound.items() if f.is_bound}),
        }
        return render(request, "hotline/knowledge/edit.html", context, status=_input_status(status))

    if posted is None:
        return show()

    def act(data: dict[str, Any]) -> HttpResponse:
        if action == "update":
            saved = kb.update_article(
                actor=user,
                article=article,
                title=data["title"],
                body=data["body"],
                topic_code=data["topic"],
                review_due_on=data["review_due_on"],
            )
            message = _("已保存为第 %(v)d 版。") % {"v": saved.version}
        elif action == "publish":
            saved = kb.publish_article(
                actor=user, article=article, review_due_on=data["review_due_on"]
            )
            message = _("已发布，市民和坐席现在可以查到这条知识。复核日期：%(d)s。") % {
                "d": saved.review_due_on.isoformat()
            }
        else:
            kb.archive_article(actor=user, article=article)
            message = _("已归档，这条知识不再能被查到。")
        return done(request, message, "hotline:knowledge-edit", article_id=article.pk)

    return submit(bound[action], act, lambda shown, status: show(status))


# --- synonyms -----------------------------------------------------------------------------------


@staff_only
def synonyms(request: HttpRequest) -> HttpResponse:
    """The synonym groups (a term and the words that mean the same); setting a term's group
    replaces it. ``?term=`` fills the form with a group to change."""
    user: Any = request.user
    editable_departments(user)
    if not may_set_synonyms(user):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    chosen = Synonym.objects.filter(term=request.GET.get("term", "")).first()
    if chosen is not None:
        initial = {"term": chosen.term, "synonyms": "、".join(str(s) for s in chosen.synonyms)}
    form = forms.SynonymsForm(request.POST if request.method == "POST" else None, initial=initial)
    page = Paginator(Synonym.objects.order_by("term"), SYNONYM_PAGE).get_page(
        request.GET.get("page")
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        row = kb.set_synonyms(actor=user, term=data["term"], synonyms=data["synonyms"])
        message = _("已保存：%(term)s = %(words)s。") % {
            "term": row.term,
            "words": "、".join(str(s) for s in row.synonyms),
        }
        return done(request, message, "hotline:knowledge-synonyms")

    def show(shown: SummaryForm, status: int) -> HttpResponse:
        context = {
            **_context(user),
            "form": shown,
            "summary": shown.summary() if shown.is_bound else [],
            "page": page,
            "editing": chosen,
        }
        return render(
            request, "hotline/knowledge/synonyms.html", context, status=_input_status(status)
        )

    if request.method != "POST":
        return show(form, 200)
    return submit(form, act, show)


urlpatterns: list[URLPattern] = [
    path("staff/hotline/knowledge/manage/", manage, name="knowledge-manage"),
    path("staff/hotline/knowledge/new/", new, name="knowledge-new"),
    path("staff/hotline/knowledge/<int:article_id>/edit/", edit, name="knowledge-edit"),
    path("staff/hotline/knowledge/synonyms/", synonyms, name="knowledge-synonyms"),
]
