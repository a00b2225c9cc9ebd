"""The knowledge base's editor pages with Django's test client: the editor's list (filters, the
articles due for review), a new draft, editing (a new version each time), publishing,
archiving and the synonyms — the happy paths, refused input (422 on the form, nothing
written) and who may not (403 for users who edit for no department, 404 for another
department's article)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.hotline import knowledge
from yiwang.hotline.models import ArticleStatus, ArticleVersion, KnowledgeArticle, Synonym

pytestmark = pytest.mark.django_db

FEE_BODY = "物业费标准由业主大会与物业公司约定，普通住宅前期物业服务收费实行政府指导价。"
MANAGE = reverse("hotline:knowledge-manage")
NEW = reverse("hotline:knowledge-new")
SYNONYMS = reverse("hotline:knowledge-synonyms")


@pytest.fixture
def editor(lead_department: Any) -> Any:
    """The lead department's administrator: edits its knowledge."""
    return StaffFactory(username="editor", role="department_admin", department=lead_department)


@pytest.fixture
def other_editor(supporting_department: Any) -> Any:
    """The supporting department's administrator: edits only that department's knowledge."""
    return StaffFactory(
        username="other_editor", role="department_admin", department=supporting_department
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(article: Any) -> str:
    return reverse("hotline:knowledge-edit", args=[article.pk])


def draft(editor: Any, owner: Any, title: str = "物业费怎么收", **fields: Any) -> Any:
    return knowledge.create_article(
        actor=editor, owner=owner, title=title, body=fields.pop("body", FEE_BODY), **fields
    )


def public_titles(client: Client, q: str) -> str:
    return client.get(reverse("hotline:public-knowledge"), {"q": q}).content.decode()


# --- a new article, published and found ----------------------------------------------------------


def test_new_article_is_a_draft_then_published_and_found_by_the_public(
    editor: Any, lead_department: Any, topics: Any
) -> None:
    client = signed_in(editor)
    page = client.get(NEW)
    assert page.status_code == 200
    assert "新建知识" in page.content.decode()

    response = client.post(
        NEW,
        {
            "title": "电梯停运找谁修",
            "body": "电梯维修由物业服务企业负责，物业拒不维修的可拨打12345。",
            "topic": "0101",
            "owner": str(lead_department.pk),
            "review_due_on": "",
        },
    )
    article = KnowledgeArticle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(article)
    assert article.status == ArticleStatus.DRAFT
    assert article.topic == topics.property_service
    assert article.owner == lead_department
    assert "电梯停运找谁修" not in public_titles(Client(), "电梯维修")

    shown = client.get(edit_url(article)).content.decode()
    assert "已保存草稿" in shown and "草稿" in shown
    response = client.post(
        edit_url(article), {"action": "publish", "publish-review_due_on": "2099-06-30"}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert article.review_due_on.isoformat() == "2099-06-30"
    assert "电梯停运找谁修" in public_titles(Client(), "电梯维修")
    assert "已发布" in client.get(edit_url(article)).content.decode()


def test_a_single_department_is_chosen_for_the_editor(editor: Any, lead_department: Any) -> None:
    page = signed_in(editor).get(NEW).content.decode()
    assert f'<option value="{lead_department.pk}" selected>' in page


def test_edit_makes_a_new_version_and_the_history_shows_both(
    editor: Any, lead_department: Any, topics: Any
) -> None:
    article = draft(editor, lead_department, topic_code="0101")
    client = signed_in(editor)
    shown = client.get(edit_url(article)).content.decode()
    assert f'value="{article.review_due_on.isoformat()}"' in shown  # as typed, in any language

    response = client.post(
        edit_url(article),
        {
            "action": "update",
            "update-title": "物业费收费标准",
            "update-body": FEE_BODY + "详询住建局。",
            "update-topic": "0102",
            "update-review_due_on": article.review_due_on.isoformat(),
        },
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.title, article.topic) == (
        2,
        "物业费收费标准",
        topics.repairs,
    )
    page = client.get(edit_url(article)).content.decode()
    assert "已保存为第 2 版" in page
    history = page.split('id="versions-title"')[1]
    assert "物业费收费标准" in history and "物业费怎么收" in history
    assert history.count("editor") == 2


def test_archive_hides_the_article_and_leaves_it_read_only(
    editor: Any, lead_department: Any
) -> None:
    article = knowledge.publish_article(actor=editor, article=draft(editor, lead_department))
    client = signed_in(editor)
    assert "物业费怎么收" in public_titles(Client(), "物业费")

    response = client.post(edit_url(article), {"action": "archive"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.ARCHIVED
    assert "物业费怎么收" not in public_titles(Client(), "物业费")
    page = client.get(edit_url(article)).content.decode()
    assert "已归档" in page and 'id="update-form"' not in page


# --- refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"title": ""}, "id_title", "请填写标题。"),
        ({"title": "问" * 201}, "id_title", "标题不能超过 200 个字。"),
        ({"body": "   "}, "id_body", "请填写正文。"),
        ({"body": "字" * 20_001}, "id_body", "正文不能超过 20000 个字。"),
        ({"topic": "0199"}, "id_topic", "诉求分类 0199 不存在或已停用。"),
        ({"owner": "__other__"}, "id_owner", "您不能为该部门编写知识。"),
        ({"review_due_on": "明天"}, "id_review_due_on", "请按 2025-12-31 的格式填写日期。"),
        ({"review_due_on": "2000-01-01"}, "id_review_due_on", "复核日期不能早于今天。"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    editor: Any,
    lead_department: Any,
    supporting_department: Any,
    topics: Any,
    fields: dict[str, str],
    field_id: str,
    message: str,
) -> None:
    data = {
        "title": "电梯停运找谁修",
        "body": "电梯维修由物业服务企业负责。",
        "topic": "0101",
        "owner": str(lead_department.pk),
        "review_due_on": "",
        **fields,
    }
    if data["owner"] == "__other__":
        data["owner"] = str(supporting_department.pk)

    response = signed_in(editor).post(NEW, data)

    assert response.status_code == 422
    page = response.content.decode()
    assert f'href="#{field_id}"' in page and message in page
    assert "<title>错误：" in page
    assert not KnowledgeArticle.objects.exists()
    assert not ArticleVersion.objects.exists()


def test_an_empty_edit_is_refused_and_the_version_kept(editor: Any, lead_department: Any) -> None:
    article = draft(editor, lead_department)

    response = signed_in(editor).post(
        edit_url(article),
        {"action": "update", "update-title": "", "update-body": "新正文"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#id_update-title"' in page and "请填写标题。" in page
    assert "新正文" in page  # what was typed is kept
    article.refresh_from_db()
    assert (article.version, article.title) == (1, "物业费怎么收")
    assert ArticleVersion.objects.count() == 1


def test_publishing_twice_is_a_conflict_on_the_form(editor: Any, lead_department: Any) -> None:
    article = knowledge.publish_article(actor=editor, article=draft(editor, lead_department))

    response = signed_in(editor).post(edit_url(article), {"action": "publish"})

    assert response.status_code == 409
    assert "只有草稿可以发布。" in response.content.decode()


def test_an_unknown_action_is_404(editor: Any, lead_department: Any) -> None:
    article = draft(editor, lead_department)
    assert signed_in(editor).post(edit_url(article), {"action": "delete"}).status_code == 404


# --- who may ------------------------------------------------------------------------------------


def test_another_departments_admin_gets_404_and_changes_nothing(
    editor: Any, other_editor: Any, lead_department: Any
) -> None:
    article = draft(editor, lead_department)
    published = knowledge.publish_article(
        actor=editor, article=draft(editor, lead_department, title="已发布的")
    )
    client = signed_in(other_editor)

    assert client.get(edit_url(article)).status_code == 404
    assert client.get(edit_url(published)).status_code == 404
    assert client.post(edit_url(published), {"action": "archive"}).status_code == 404
    assert client.get(reverse("hotline:knowledge-edit", args=[99999])).status_code == 404
    assert KnowledgeArticle.objects.get(pk=published.pk).status == ArticleStatus.PUBLISHED
    listed = client.get(MANAGE).content.decode()
    assert "物业费怎么收" not in listed and "还没有知识。" in listed


def test_another_department_cannot_be_chosen_as_owner(
    editor: Any, supporting_department: Any
) -> None:
    page = signed_in(editor).get(NEW).content.decode()
    assert supporting_department.name not in page


@pytest.mark.parametrize("url", [MANAGE, NEW, SYNONYMS])
def test_a_clerk_gets_403(lead_clerk: Any, agent: Any, url: str) -> None:
    assert signed_in(lead_clerk).get(url).status_code == 403
    assert signed_in(agent).get(url).status_code == 403


def test_a_clerk_gets_403_on_an_article_and_anonymous_users_sign_in(
    editor: Any, lead_clerk: Any, lead_department: Any
) -> None:
    article = draft(editor, lead_department)
    assert signed_in(lead_clerk).get(edit_url(article)).status_code == 403
    response = Client().get(edit_url(article))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_nav_and_the_search_page_link_editors_to_the_editor_pages(
    editor: Any, lead_clerk: Any
) -> None:
    search = reverse("hotline:knowledge")
    for_editor = signed_in(editor).get(search).content.decode()
    assert "知识库维护" in for_editor and "维护知识库" in for_editor
    for_clerk = signed_in(lead_clerk).get(search).content.decode()
    assert "知识库维护" not in for_clerk and "维护知识库" not in for_clerk


# --- the list -------------------------------------------------------------------------------------


def test_the_list_marks_articles_due_for_review_and_filters_them(
    editor: Any, lead_department: Any
) -> None:
    today = timezone.localdate()
    due = knowledge.publish_article(
        actor=editor, article=draft(editor, lead_department, title="该复核的")
    )
    KnowledgeArticle.objects.filter(pk=due.pk).update(review_due_on=today - timedelta(days=1))
    knowledge.publish_article(actor=editor, article=draft(editor, lead_department, title="还新的"))
    draft(editor, lead_department, title="一篇草稿")
    archived = draft(editor, lead_department, title="归档的")
    knowledge.archive_article(actor=editor, article=archived)
    client = signed_in(editor)

    page = client.get(MANAGE).content.decode()
    assert "共 4 条" in page
    assert "1 条已发布的知识已到复核日期。" in page
    assert page.count("catalog-flag--bad") == 1
    row = page.split("该复核的")[1].split("</tr>")[0]
    assert "已到复核日期" in row

    only_due = client.get(MANAGE, {"status": "due"}).content.decode()
    assert "该复核的" in only_due and "还新的" not in only_due and "共 1 条" in only_due
    drafts = client.get(MANAGE, {"status": "draft"}).content.decode()
    assert "一篇草稿" in drafts and "该复核的" not in drafts
    archived_only = client.get(MANAGE, {"status": "archived"}).content.decode()
    assert "归档的" in archived_only and "一篇草稿" not in archived_only


def test_the_list_is_paged_and_a_bad_filter_is_422(editor: Any, lead_department: Any) -> None:
    for n in range(21):
        draft(editor, lead_department, title=f"第{n}条")
    client = signed_in(editor)
    first = client.get(MANAGE).content.decode()
    assert "第 1 页，共 2 页" in first
    second = client.get(MANAGE, {"page": "2"}).content.decode()
    assert "第0条" in second and "第20条" not in second

    response = client.get(MANAGE, {"status": "lost"})
    assert response.status_code == 422
    assert 'href="#id_status"' in response.content.decode()


def test_a_platform_admin_edits_for_every_department_of_the_region(
    admin: Any, editor: Any, lead_department: Any, supporting_department: Any, regions: Any
) -> None:
    draft(editor, lead_department)
    elsewhere: Any = DepartmentFactory(code="4205-ZJJ", name="宜昌市住建局", region=regions.yichang)
    client = signed_in(admin)

    listed = client.get(MANAGE).content.decode()
    assert "物业费怎么收" in listed and "同义词" in listed
    offered = client.get(NEW).content.decode()
    assert lead_department.name in offered and supporting_department.name in offered
    assert elsewhere.name in offered  # 湖北省's administrator: 宜昌 too


# --- synonyms -------------------------------------------------------------------------------------


def test_a_platform_admin_sets_synonyms_and_search_uses_them(
    admin: Any, editor: Any, lead_department: Any
) -> None:
    knowledge.publish_article(
        actor=editor,
        article=draft(editor, lead_department, title="物业公司不打扫", body="可向街道反映。"),
    )
    assert "物业公司不打扫" not in public_titles(Client(), "物管")
    client = signed_in(admin)

    response = client.post(SYNONYMS, {"term": " 物业 ", "synonyms": "物业公司，物管、 物业管理"})

    assert response.status_code == 302
    row = Synonym.objects.get()
    assert (row.term, row.synonyms) == ("物业", ["物业公司", "物管", "物业管理"])
    page = client.get(SYNONYMS).content.decode()
    assert "物业公司、物管、物业管理" in page and "共 1 组同义词" in page
    editing = client.get(SYNONYMS, {"term": "物业"}).content.decode()
    assert 'value="物业公司、物管、物业管理"' in editing
    assert "物业公司不打扫" in public_titles(Client(), "物管")


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"term": "", "synonyms": "物管"}, "id_term", "请填写词语。"),
        ({"term": "物业", "synonyms": ""}, "id_synonyms", "请填写同义词"),
        ({"term": "物业", "synonyms": "物业"}, "id_synonyms", "请填写同义词"),
        ({"term": "物业", "synonyms": "长" * 51}, "id_synonyms", "每个不超过 50 个字"),
    ],
)
def test_bad_synonyms_are_refused_on_the_form(
    admin: Any, data: dict[str, str], field_id: str, message: str
) -> None:
    response = signed_in(admin).post(SYNONYMS, data)

    assert response.status_code == 422
    page = response.content.decode()
    assert f'href="#{field_id}"' in page and message in page
    assert not Synonym.objects.exists()


def test_a_department_admin_may_not_set_synonyms(editor: Any) -> None:
    client = signed_in(editor)
    assert client.get(SYNONYMS).status_code == 403
    assert client.post(SYNONYMS, {"term": "物业", "synonyms": "物管"}).status_code == 403
    assert not Synonym.objects.exists()
    assert "同义词" not in client.get(MANAGE).content.decode()


def test_a_past_review_date_may_be_kept_but_not_newly_set(
    editor: Any, lead_department: Any
) -> None:
    article = knowledge.publish_article(actor=editor, article=draft(editor, lead_department))
    past = timezone.localdate() - timedelta(days=3)
    KnowledgeArticle.objects.filter(pk=article.pk).update(review_due_on=past)
    client = signed_in(editor)
    fields = {"action": "update", "update-title": "物业费怎么收", "update-body": FEE_BODY + "。"}

    refused = client.post(edit_url(article), {**fields, "update-review_due_on": "2000-01-01"})
    kept = client.post(edit_url(article), {**fields, "update-review_due_on": past.isoformat()})

    assert refused.status_code == 422 and "复核日期不能早于今天。" in refused.content.decode()
    assert kept.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.review_due_on) == (2, past)
