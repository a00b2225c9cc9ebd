"""The knowledge base: versions, publication, synonyms in search, who sees drafts, the review
list, bad input, and the JSON API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.factories import StaffFactory
from yiwang.hotline import knowledge
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import ArticleStatus, ArticleVersion, KnowledgeArticle
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

FEE_BODY = "物业费标准由业主大会与物业公司约定，普通住宅前期物业服务收费实行政府指导价。"


@pytest.fixture
def editor(lead_department: Any) -> Any:
    """The lead department's administrator: edits its knowledge."""
    return StaffFactory(username="editor", role="department_admin", department=lead_department)


def _article(
    editor: Any, owner: Any, title: str, body: str, *, publish: bool = True, topic: str = "0101"
) -> Any:
    article = knowledge.create_article(
        actor=editor, owner=owner, title=title, body=body, topic_code=topic or None
    )
    if publish:
        article = knowledge.publish_article(actor=editor, article=article)
    return article


def test_update_keeps_every_version(editor: Any, lead_department: Any, topics: Any) -> None:
    article = _article(editor, lead_department, "物业费怎么收", FEE_BODY)

    knowledge.update_article(
        actor=editor, article=article, title="物业费收费标准", body=FEE_BODY + "详询住建局。"
    )

    article.refresh_from_db()
    assert article.version == 2
    assert article.status == ArticleStatus.PUBLISHED
    versions = list(ArticleVersion.objects.filter(article=article).order_by("version"))
    assert [(v.version, v.title) for v in versions] == [(1, "物业费怎么收"), (2, "物业费收费标准")]
    assert AuditEntry.objects.filter(action="hotline.article_updated").exists()
    assert [h.title for h in knowledge.search_articles("收费标准").hits] == ["物业费收费标准"]


def test_synonyms_expand_the_query(editor: Any, lead_department: Any, topics: Any) -> None:
    # No topic: the topic's keywords (which list 物管) would find it on their own.
    _article(
        editor,
        lead_department,
        "物业公司不履行保洁义务怎么办",
        "可向街道及住建部门反映。",
        topic="",
    )
    assert knowledge.search_articles("物管").hits == []

    knowledge.set_synonyms(actor=editor, term="物业", synonyms=["物业公司", "物管"])

    titles = [h.title for h in knowledge.search_articles("物管").hits]
    assert titles == ["物业公司不履行保洁义务怎么办"]


def test_public_sees_only_published_and_editors_see_their_drafts(
    editor: Any, lead_department: Any, topics: Any, agent: Any, outsider: Any
) -> None:
    _article(editor, lead_department, "维修资金如何申请使用", "维修资金使用需业主表决。")
    _article(editor, lead_department, "维修资金草稿", "草稿正文。", publish=False)

    public = [h.title for h in knowledge.search_articles("维修资金").hits]
    by_agent = [
        h.title for h in knowledge.search_articles("维修资金", public=False, actor=agent).hits
    ]
    by_outsider = [
        h.title for h in knowledge.search_articles("维修资金", public=False, actor=outsider).hits
    ]
    by_editor = {
        h.title for h in knowledge.search_articles("维修资金", public=False, actor=editor).hits
    }

    assert public == by_agent == by_outsider == ["维修资金如何申请使用"]
    assert by_editor == {"维修资金如何申请使用", "维修资金草稿"}


def test_archived_articles_leave_search(editor: Any, lead_department: Any, topics: Any) -> None:
    article = _article(editor, lead_department, "门禁卡补办", "携带身份证到物业服务中心补办。")

    knowledge.archive_article(actor=editor, article=article)

    assert knowledge.search_articles("门禁卡").hits == []


def test_topic_filter(editor: Any, lead_department: Any, topics: Any) -> None:
    _article(editor, lead_department, "物业费催缴", "物业费催缴须依法进行。")

    assert len(knowledge.search_articles("物业费", topic_code="0101").hits) == 1
    assert len(knowledge.search_articles("物业费", topic_code="01").hits) == 1
    assert knowledge.search_articles("物业费", topic_code="0102").hits == []


def test_review_due_list(editor: Any, lead_department: Any, topics: Any) -> None:
    today = date(2025, 6, 1)
    due = _article(editor, lead_department, "到期知识", "正文。")
    knowledge.update_article(
        actor=editor, article=due, title="到期知识", body="正文。", review_due_on=today
    )
    later = _article(editor, lead_department, "未到期知识", "正文。")
    knowledge.update_article(
        actor=editor,
        article=later,
        title="未到期知识",
        body="正文。",
        review_due_on=today + timedelta(days=1),
    )

    assert [a.title for a in knowledge.due_for_review(today)] == ["到期知识"]


@pytest.mark.parametrize(
    ("title", "body", "field"), [("", "正文", "title"), ("标题", "  ", "body")]
)
def test_empty_title_or_body_is_refused(
    editor: Any, lead_department: Any, title: str, body: str, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        knowledge.create_article(actor=editor, owner=lead_department, title=title, body=body)

    assert refused.value.code == ErrorCode.ARTICLE_INVALID
    assert field in refused.value.details["errors"]
    assert not KnowledgeArticle.objects.exists()


def test_an_outsider_cannot_write_for_the_department(outsider: Any, lead_department: Any) -> None:
    with pytest.raises(DomainError) as refused:
        knowledge.create_article(actor=outsider, owner=lead_department, title="标题", body="正文")

    assert refused.value.status == 403
    assert not KnowledgeArticle.objects.exists()
    assert AuditEntry.objects.filter(action="hotline.article_create_refused").exists()


def test_use_counts(editor: Any, agent: Any, lead_department: Any, topics: Any) -> None:
    article = _article(editor, lead_department, "物业费", FEE_BODY)

    knowledge.use_article(actor=agent, article=article)
    knowledge.use_article(actor=agent, article=article)

    article.refresh_from_db()
    assert article.use_count == 2


# --- the API -------------------------------------------------------------------------------

API = "/api/v1/hotline/knowledge"


def test_api_public_search_and_read(
    client: Any, editor: Any, lead_department: Any, topics: Any
) -> None:
    published = _article(editor, lead_department, "物业费怎么收", FEE_BODY)
    draft = _article(editor, lead_department, "物业费草稿", "草稿。", publish=False)

    found = client.get(f"{API}/search", {"q": "物业费"})
    shown = client.get(f"{API}/articles/{published.pk}")
    hidden = client.get(f"{API}/articles/{draft.pk}")

    assert found.status_code == 200
    assert [h["title"] for h in found.json()["hits"]] == ["物业费怎么收"]
    assert shown.json()["body"] == FEE_BODY
    assert hidden.status_code == 404
    assert hidden.json()["code"] == ErrorCode.NOT_FOUND


def test_api_editor_writes_and_publishes(
    client: Any, editor: Any, lead_department: Any, topics: Any
) -> None:
    client.force_login(editor)
    created = client.post(
        f"{API}/articles",
        {"title": "楼道堆物怎么处理", "body": "可联系物业清理。", "owner_code": "4201-ZFGXJ"},
        content_type="application/json",
    )
    article_id = created.json()["id"]
    updated = client.put(
        f"{API}/articles/{article_id}",
        {"title": "楼道堆物怎么处理", "body": "可联系物业或社区清理。"},
        content_type="application/json",
    )
    published = client.post(
        f"{API}/articles/{article_id}/publish", {}, content_type="application/json"
    )
    archived = client.post(f"{API}/articles/{article_id}/archive")

    assert created.status_code == 201
    assert updated.json()["version"] == 2
    assert published.json()["status"] == "published"
    assert archived.json()["status"] == "archived"


def test_api_refusals(client: Any, editor: Any, outsider: Any, lead_department: Any) -> None:
    anonymous = client.post(
        f"{API}/articles",
        {"title": "t", "body": "b", "owner_code": "4201-ZFGXJ"},
        content_type="application/json",
    )
    client.force_login(editor)
    empty = client.post(
        f"{API}/articles",
        {"title": " ", "body": "b", "owner_code": "4201-ZFGXJ"},
        content_type="application/json",
    )
    client.force_login(outsider)
    forbidden = client.post(
        f"{API}/articles",
        {"title": "t", "body": "b", "owner_code": "4201-ZFGXJ"},
        content_type="application/json",
    )

    assert anonymous.status_code == 401
    assert empty.status_code == 400
    assert empty.json()["code"] == ErrorCode.ARTICLE_INVALID
    assert "标题" in empty.json()["details"]["errors"]["title"][0]
    assert forbidden.status_code == 403
    assert not KnowledgeArticle.objects.exists()


def test_only_a_knowledge_editor_sets_synonyms(lead_clerk: Any) -> None:
    from yiwang.hotline.models import Synonym

    with pytest.raises(DomainError) as caught:
        knowledge.set_synonyms(actor=lead_clerk, term="物业", synonyms=["物管"])

    assert caught.value.status == 403
    assert not Synonym.objects.exists()
    assert AuditEntry.objects.filter(action="hotline.synonyms_set_refused").exists()
