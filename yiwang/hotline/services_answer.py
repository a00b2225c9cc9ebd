"""Answering a consultation from the knowledge base (知识库答复): an agent of the centre takes a
published article as the answer to a consultation that has not gone to a department, and the
order is completed at once — the same ending as a consultation answered by its lead
department, without the round trip."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.hotline import knowledge, permissions
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    ArticleStatus,
    Category,
    KnowledgeArticle,
    OrderStatus,
    WorkOrder,
)
from yiwang.hotline.services_common import MAX_TEXT, event, invalid, locked, require_centre
from yiwang.hotline.services_handling import _complete
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError


def _published(article: KnowledgeArticle) -> KnowledgeArticle:
    row: KnowledgeArticle | None = (
        KnowledgeArticle.objects.select_for_update().filter(pk=article.pk).first()
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该知识。"), status=404)
    if row.status != ArticleStatus.PUBLISHED:
        message = _("只能引用已发布的知识。")
        raise DomainError(
            ErrorCode.STATUS_TRANSITION, message, status=409, errors={"article_id": [message]}
        )
    return row


@audit.refusals_recorded("hotline.answer_from_article")
@transaction.atomic
def answer_from_article(
    *, actor: Any, order: WorkOrder, article: KnowledgeArticle, note: str = ""
) -> WorkOrder:
    """The article's body becomes the consultation's answer and the order is completed (the
    citizen is told by SMS). Only the centre's agents over the order's region; only a
    consultation still waiting at the centre (``received``); only a published article."""
    order = locked(order)
    require_centre(actor, order, permissions.INTAKE)
    if order.category != Category.CONSULTATION:
        raise invalid("order_id", _("只有咨询类工单可以用知识库答复。"))
    if order.status != OrderStatus.RECEIVED:
        message = _("工单当前为“%(status)s”，不能用知识库答复。") % {
            "status": order.get_status_display()
        }
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            message,
            status=409,
            status_now=order.status,
            errors={"order_id": [message]},
        )
    article = _published(article)
    remark = (note or "").strip()
    if len(remark) > MAX_TEXT:
        raise invalid(
            "note", _("内容过长（最多 %(max)d 字）。") % {"max": MAX_TEXT}, ErrorCode.TEXT_TOO_LONG
        )
    knowledge.use_article(actor=actor, article=article)
    order.answer = article.body
    order.knowledge_article = article
    order.save(update_fields=["answer", "knowledge_article", "updated_at"])
    # The timeline's "replied" step (the answer, public), from the knowledge base, not a
    # department.
    event(
        order,
        actor,
        "replied",
        article.body,
        source="knowledge",
        article_id=article.pk,
        article_title=article.title,
        article_version=article.version,
    )
    _complete(order, actor, remark)
    return order
