"""Knowledge-base API: ``/api/v1/hotline/knowledge/...``.

Anyone (signed in or not) searches published articles and reads one; staff searching with
``drafts=true`` also find the drafts of the departments they edit for. Editors
(``hotline.knowledge``) create, update, publish and archive their departments' articles.
The centre's agents answer a consultation with a published article (``.../answer``), which
completes the order. An article or order the caller may not see answers 404."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from yiwang.hotline import access, knowledge, services
from yiwang.hotline.models import KnowledgeArticle
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["hotline"])


class HitOut(Schema):
    id: int
    title: str
    summary: str
    status: str
    score: float


class SearchOut(Schema):
    total: int
    hits: list[HitOut]


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    status: str
    version: int
    topic_code: str | None
    owner_code: str
    owner_name: str
    review_due_on: date
    published_at: datetime | None
    updated_at: datetime
    use_count: int


class ArticleIn(Schema):
    title: str
    body: str
    topic_code: str | None = None
    review_due_on: date | None = None


class ArticleCreateIn(ArticleIn):
    owner_code: str


class PublishIn(Schema):
    review_due_on: date | None = None


class AnswerIn(Schema):
    order_id: int
    note: str = Field("", max_length=5000)


class AnswerOut(Schema):
    order_id: int
    number: str
    status: str
    answer: str
    article_id: int
    completed_at: datetime | None


def _out(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "body": article.body,
        "status": article.status,
        "version": article.version,
        "topic_code": article.topic.code if article.topic else None,
        "owner_code": article.owner.code,
        "owner_name": article.owner.name,
        "review_due_on": article.review_due_on,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "use_count": article.use_count,
    }


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_staff", False):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("仅限工作人员使用。"), status=403)
    return user


@router.get("/search", response={200: SearchOut, **ERRORS}, auth=None)
def search(
    request: HttpRequest,
    q: str = "",
    topic: str | None = None,
    limit: int = 10,
    drafts: bool = False,
) -> Any:
    if len(q) > 200:
        raise DomainError(KernelCode.VALIDATION_ERROR, _("搜索内容不能超过 200 个字。"))
    staff = getattr(request.user, "is_staff", False)
    results = knowledge.search_articles(
        q,
        public=not (drafts and staff),
        actor=request.user if staff else None,
        topic_code=topic,
        limit=limit,
    )
    return {"total": results.total, "hits": [h.__dict__ for h in results.hits]}


@router.get("/articles/{article_id}", response={200: ArticleOut, **ERRORS}, auth=None)
def article(request: HttpRequest, article_id: int) -> Any:
    return _out(knowledge.get_article_for_user(request.user, article_id))


@router.post("/articles", response={201: ArticleOut, **ERRORS})
def create(request: HttpRequest, payload: ArticleCreateIn) -> Any:
    user = _staff(request)
    owner = Department.objects.filter(code=payload.owner_code).first()
    if owner is None:
        raise DomainError(KernelCode.NOT_FOUND, _("部门不存在。"), status=404)
    created = knowledge.create_article(
        actor=user,
        owner=owner,
        title=payload.title,
        body=payload.body,
        topic_code=payload.topic_code,
        review_due_on=payload.review_due_on,
    )
    return Status(201, _out(created))


@router.put("/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def update(request: HttpRequest, article_id: int, payload: ArticleIn) -> Any:
    user = _staff(request)
    found = knowledge.get_article_for_user(user, article_id)
    return _out(
        knowledge.update_article(
            actor=user,
            article=found,
            title=payload.title,
            body=payload.body,
            topic_code=payload.topic_code,
            review_due_on=payload.review_due_on,
        )
    )


@router.post("/articles/{article_id}/publish", response={200: ArticleOut, **ERRORS})
def publish(request: HttpRequest, article_id: int, payload: PublishIn) -> Any:
    user = _staff(request)
    found = knowledge.get_article_for_user(user, article_id)
    return _out(
        knowledge.publish_article(actor=user, article=found, review_due_on=payload.review_due_on)
    )


@router.post("/articles/{article_id}/archive", response={200: ArticleOut, **ERRORS})
def archive(request: HttpRequest, article_id: int) -> Any:
    user = _staff(request)
    found = knowledge.get_article_for_user(user, article_id)
    return _out(knowledge.archive_article(actor=user, article=found))


@router.post("/articles/{article_id}/answer", response={200: AnswerOut, **ERRORS})
def answer(request: HttpRequest, article_id: int, payload: AnswerIn) -> Any:
    """A centre agent answers a consultation (``order_id``, still at the centre) with this
    published article; the order is completed with the article as its answer."""
    user = request.user
    found = knowledge.get_article_for_user(user, article_id)
    order = access.get_order_for(user, payload.order_id)
    order = services.answer_from_article(actor=user, order=order, article=found, note=payload.note)
    return {
        "order_id": order.pk,
        "number": order.number,
        "status": order.status,
        "answer": order.answer,
        "article_id": found.pk,
        "completed_at": order.completed_at,
    }
