"""The hotline's knowledge base (知识库): answers owned by departments, versioned, reviewed by
a date, searched in Chinese with synonyms.

Editors (``hotline.knowledge``: a department's administrator for its own articles, a platform
administrator for every department in the region) write drafts, publish them, update them
(each change is a new :class:`ArticleVersion`) and archive them. Every article but an
archived one is in the kernel's search index (scope ``hotline.article``) with its status,
topic and owner as filter tokens; the public and the agents find published articles only,
an editor also the drafts of the departments they edit for.

Synonyms: each word of a query is expanded with its :class:`Synonym` group (物业 → 物业公司,
物管; the group is symmetric) and every combination is searched, best score first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    ArticleStatus,
    ArticleVersion,
    KnowledgeArticle,
    Synonym,
    Topic,
)
from yiwang.kernel import audit, events
from yiwang.kernel import search as kernel_search
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, Role
from yiwang.kernel.permissions import can, register_action, scope_for

SCOPE = "hotline.article"
KNOWLEDGE = "hotline.knowledge"
TITLE_MAX = 200
BODY_MAX = 20_000
#: Days from publication to the next review when the editor names no date.
DEFAULT_REVIEW_DAYS = 180
#: At most this many synonym combinations of one query are searched.
MAX_VARIANTS = 8


def register() -> None:
    """Declare ``hotline.knowledge`` (idempotent; also run when this module is imported)."""
    register_action(KNOWLEDGE, {Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})


register()


# --- validation and access ---------------------------------------------------------------


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError(ErrorCode.ARTICLE_INVALID, _("知识内容有误，请检查后重试。"), errors=errors)


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("标题不能超过 %(n)d 个字。") % {"n": TITLE_MAX}]
    if not body:
        errors["body"] = [_("请填写正文。")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("正文不能超过 %(n)d 个字。") % {"n": BODY_MAX}]
    if errors:
        raise _invalid(errors)
    return title, body


def _topic(code: str | None) -> Topic | None:
    if not code:
        return None
    found = Topic.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise DomainError(ErrorCode.UNKNOWN_TOPIC, _("诉求分类不存在：%(code)s") % {"code": code})
    return found


def _require_editor(actor: Any, owner: Department) -> None:
    if not can(actor, KNOWLEDGE, department=owner):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您无权编辑该部门的知识。"), status=403)


def may_edit(actor: Any, article: KnowledgeArticle) -> bool:
    return can(actor, KNOWLEDGE, department=article.owner)


def get_article_for_user(actor: Any, article_id: int) -> KnowledgeArticle:
    """A published article for anyone; a draft or archived one only for its editors. Missing
    and forbidden look the same (404)."""
    article = (
        KnowledgeArticle.objects.select_related("owner", "topic").filter(pk=article_id).first()
    )
    if article is None or (
        article.status != ArticleStatus.PUBLISHED and not may_edit(actor, article)
    ):
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该知识。"), status=404)
    return article


# --- the search index --------------------------------------------------------------------


def _filters(article: KnowledgeArticle) -> dict[str, list[str]]:
    topics = []
    if article.topic is not None:
        topics.append(article.topic.code)
        if article.topic.parent_id is not None:
            topics.append(article.topic.code[:2])
    return {
        "status": [article.status],
        "topic": topics,
        "owner": [str(article.owner_id)],
    }


def _summary(body: str) -> str:
    text = " ".join(body.split())
    return text[:120] + ("…" if len(text) > 120 else "")


def _index(article: KnowledgeArticle) -> None:
    if article.status == ArticleStatus.ARCHIVED:
        kernel_search.remove(SCOPE, str(article.pk))
        return
    kernel_search.index(
        SCOPE,
        str(article.pk),
        title=article.title,
        body=article.body,
        keywords=list(article.topic.keywords) if article.topic else [],
        filters=_filters(article),
        summary=_summary(article.body),
        data={"status": article.status, "owner": article.owner_id},
    )


def index_entry(article: KnowledgeArticle) -> Any:
    """An unsaved kernel search entry for ``article`` (for bulk indexing a first load)."""
    from yiwang.kernel.models import SearchEntry

    keywords = list(article.topic.keywords) if article.topic else []
    filter_terms = [
        kernel_search.filter_token(name, value)
        for name, values in _filters(article).items()
        for value in values
    ]
    body_terms = kernel_search._unique(
        [
            *(kernel_search.analyse_title(" ".join(keywords)) if keywords else []),
            *kernel_search.analyse_body(article.body),
            *filter_terms,
            kernel_search.filter_token("scope", SCOPE),
        ]
    )
    return SearchEntry(
        scope=SCOPE,
        key=str(article.pk),
        title=article.title,
        summary=_summary(article.body),
        url="",
        data={"status": article.status, "owner": article.owner_id},
        title_terms=" ".join(kernel_search.analyse_title(article.title)),
        terms=" ".join(body_terms),
    )


# --- services ----------------------------------------------------------------------------


def _version(article: KnowledgeArticle, actor: Any) -> None:
    ArticleVersion.objects.create(
        article=article,
        version=article.version,
        title=article.title,
        body=article.body,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@audit.refusals_recorded("hotline.article_create")
@transaction.atomic
def create_article(
    *,
    actor: Any,
    owner: Department,
    title: str,
    body: str,
    topic_code: str | None = None,
    review_due_on: date | None = None,
) -> KnowledgeArticle:
    """A draft article of ``owner`` (version 1)."""
    title, body = _clean_text(title, body)
    _require_editor(actor, owner)
    article = KnowledgeArticle.objects.create(
        title=title,
        body=body,
        topic=_topic(topic_code),
        owner=owner,
        review_due_on=review_due_on or timezone.localdate() + timedelta(days=DEFAULT_REVIEW_DAYS),
        updated_by=_user(actor),
    )
    _version(article, actor)
    _index(article)
    audit.record(
        "hotline.article_created",
        actor=actor,
        target=article,
        details={"title": title, "owner": owner.code},
    )
    return article


@audit.refusals_recorded("hotline.article_update")
@transaction.atomic
def update_article(
    *,
    actor: Any,
    article: KnowledgeArticle,
    title: str,
    body: str,
    topic_code: str | None = None,
    review_due_on: date | None = None,
) -> KnowledgeArticle:
    """A new version of the article (its status stays; a published article stays found)."""
    title, body = _clean_text(title, body)
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    _require_editor(actor, article.owner)
    if article.status == ArticleStatus.ARCHIVED:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("已归档的知识不能修改。"), status=409)
    article.title, article.body = title, body
    if topic_code is not None:
        article.topic = _topic(topic_code)
    if review_due_on is not None:
        article.review_due_on = review_due_on
    article.version += 1
    article.updated_by = _user(actor)
    article.save()
    _version(article, actor)
    _index(article)
    audit.record(
        "hotline.article_updated",
        actor=actor,
        target=article,
        details={"version": article.version},
    )
    return article


@audit.refusals_recorded("hotline.article_publish")
@transaction.atomic
def publish_article(
    *, actor: Any, article: KnowledgeArticle, review_due_on: date | None = None
) -> KnowledgeArticle:
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    _require_editor(actor, article.owner)
    if article.status != ArticleStatus.DRAFT:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("只有草稿可以发布。"), status=409)
    article.status = ArticleStatus.PUBLISHED
    article.published_at = timezone.now()
    if review_due_on is not None:
        article.review_due_on = review_due_on
    article.updated_by = _user(actor)
    article.save()
    _index(article)
    audit.record(
        "hotline.article_published",
        actor=actor,
        target=article,
        details={"version": article.version},
    )
    events.emit("hotline.article_published", {"article": article.pk})
    return article


@audit.refusals_recorded("hotline.article_archive")
@transaction.atomic
def archive_article(*, actor: Any, article: KnowledgeArticle) -> KnowledgeArticle:
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    _require_editor(actor, article.owner)
    if article.status == ArticleStatus.ARCHIVED:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("该知识已归档。"), status=409)
    article.status = ArticleStatus.ARCHIVED
    article.updated_by = _user(actor)
    article.save()
    _index(article)
    audit.record("hotline.article_archived", actor=actor, target=article)
    return article


@transaction.atomic
def use_article(*, actor: Any, article: KnowledgeArticle) -> None:
    """Count one use (an agent answered a consultation with it). Only published articles."""
    if article.status != ArticleStatus.PUBLISHED:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("只能引用已发布的知识。"), status=409)
    KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
    audit.record("hotline.article_used", actor=actor, target=article)


@audit.refusals_recorded("hotline.synonyms_set")
@transaction.atomic
def set_synonyms(*, actor: Any, term: str, synonyms: list[str]) -> Synonym:
    """Declare that ``synonyms`` mean the same as ``term`` (replaces the term's group). The
    groups serve every department's search, so any knowledge editor may set them."""
    if not can(actor, KNOWLEDGE):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您无权维护同义词。"), status=403)
    term = term.strip()
    cleaned = [s.strip() for s in synonyms if s.strip() and s.strip() != term]
    if not term or len(term) > 50 or not cleaned or any(len(s) > 50 for s in cleaned):
        raise _invalid({"synonyms": [_("请填写同义词（每个不超过 50 个字）。")]})
    row, _created = Synonym.objects.update_or_create(
        term=term, defaults={"synonyms": list(dict.fromkeys(cleaned))}
    )
    audit.record(
        "hotline.synonyms_set", actor=actor, target=row, details={"synonyms": row.synonyms}
    )
    return row


def due_for_review(today: date | None = None) -> list[KnowledgeArticle]:
    """Published articles whose review date has come (the owners must check them)."""
    today = today or timezone.localdate()
    return list(
        KnowledgeArticle.objects.select_related("owner")
        .filter(status=ArticleStatus.PUBLISHED, review_due_on__lte=today)
        .order_by("review_due_on", "pk")
    )


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleHit:
    id: int
    title: str
    summary: str
    status: str
    score: float


@dataclass(frozen=True)
class ArticleResults:
    #: matches of the query as typed (synonym variants may add more)
    total: int
    hits: list[ArticleHit]
    variants: list[str]


def _synonym_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for row in Synonym.objects.all():
        members = [row.term, *[str(s) for s in row.synonyms]]
        for word in members:
            known = groups.setdefault(word, [word])
            known.extend(m for m in members if m not in known)
    return groups


def expand(q: str) -> list[str]:
    """The query and its synonym variants (the query first), at most ``MAX_VARIANTS``."""
    words = kernel_search.words(q, for_search=False)
    if not words:
        return [q] if q.strip() else []
    groups = _synonym_groups()
    if not any(w in groups for w in words):
        return [q]
    choices = [groups.get(w, [w]) for w in words]
    variants = [" ".join(c) for c in itertools.islice(itertools.product(*choices), MAX_VARIANTS)]
    return list(dict.fromkeys([q, *variants]))


def search_articles(
    q: str,
    *,
    public: bool = True,
    actor: Any = None,
    topic_code: str | None = None,
    limit: int = 10,
) -> ArticleResults:
    """Articles matching ``q`` (or any synonym variant of it), best first.

    The public and agents find published articles; with ``public=False`` an editor (``actor``
    holding ``hotline.knowledge``) also finds the drafts of the departments they edit for."""
    limit = max(1, min(limit, 50))
    base = {"topic": topic_code} if topic_code else {}
    searches: list[dict[str, str]] = [{**base, "status": ArticleStatus.PUBLISHED}]
    if not public and actor is not None:
        scope = scope_for(actor, KNOWLEDGE)
        owners = set(scope.department_ids)
        if scope.region_codes:
            owners |= set(
                Department.objects.filter(scope.region_q("region__code")).values_list(
                    "pk", flat=True
                )
            )
        searches += [
            {**base, "status": ArticleStatus.DRAFT, "owner": str(pk)} for pk in sorted(owners)
        ][:20]
    best: dict[str, tuple[float, kernel_search.SearchHit]] = {}
    total = 0
    variants = expand(q) or [""]
    for n, variant in enumerate(variants):
        for filters in searches:
            page = kernel_search.search(SCOPE, variant, filters=filters, limit=limit)
            if n == 0:
                total += page.total
            for hit in page.hits:
                if hit.key not in best or best[hit.key][0] < hit.score:
                    best[hit.key] = (hit.score, hit)
    ranked = sorted(best.values(), key=lambda pair: -pair[0])[:limit]
    hits = [
        ArticleHit(
            id=int(hit.key),
            title=hit.title,
            summary=hit.summary,
            status=str(hit.data.get("status", "")),
            score=score,
        )
        for score, hit in ranked
    ]
    return ArticleResults(total=max(total, len(best)), hits=hits, variants=variants)
