"""Answering a consultation from the knowledge base (services.answer_from_article and
``POST /api/v1/hotline/knowledge/articles/{id}/answer``): the happy path, and every refusal
leaves the order and the article as they were."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.hotline import knowledge, services
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import KnowledgeArticle, OrderStatus, WorkOrder
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/hotline/knowledge/articles/{}/answer"
FEE_BODY = "物业费标准由业主大会与物业公司约定，普通住宅前期物业服务收费实行政府指导价。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier: an order without a topic waits at the centre (received)."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def editor(lead_department: Any) -> Any:
    return StaffFactory(username="editor", role="department_admin", department=lead_department)


@pytest.fixture
def article(editor: Any, lead_department: Any, topics: Any, deadline_rules: None) -> Any:
    draft = knowledge.create_article(
        actor=editor, owner=lead_department, title="物业费怎么收", body=FEE_BODY, topic_code="0101"
    )
    return knowledge.publish_article(actor=editor, article=draft)


def _consultation(agent: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "consultation",
        "title": "物业费标准",
        "content": "请问我们小区的物业费收费标准是怎么定的？",
        "region_code": "420106",
        "contact_phone": "13812345678",
        "caller_number": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


def _dispatched(agent: Any) -> WorkOrder:
    """A phone consultation waits for the agent; this one the agent dispatches."""
    order = _consultation(agent)
    return services.dispatch(actor=agent, order=order, topic_code="0101")


def _refused(code: ErrorCode | str, call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


def _unchanged(order: WorkOrder, article: KnowledgeArticle, status: str = "received") -> None:
    order.refresh_from_db()
    article.refresh_from_db()
    assert order.status == status
    assert order.answer == "" and order.knowledge_article_id is None
    assert article.use_count == 0
    assert not order.events.filter(kind="replied").exists()


# --- the service --------------------------------------------------------------------------------


def test_agent_closes_a_consultation_with_an_article(
    agent: Any, article: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "yiwang.hotline.services_common.sms.send_sms", lambda to, body: sent.append((to, body))
    )
    order = _consultation(agent)
    assert order.status == OrderStatus.RECEIVED

    with django_capture_on_commit_callbacks(execute=True):
        done = services.answer_from_article(
            actor=agent, order=order, article=article, note="来电人表示清楚了"
        )

    done.refresh_from_db()
    assert done.status == OrderStatus.COMPLETED and done.completed_at is not None
    assert done.answer == FEE_BODY and done.knowledge_article_id == article.pk
    kinds = [(e.kind, e.public) for e in done.events.all()]
    assert kinds == [("received", True), ("replied", True), ("completed", True)]
    answered = done.events.get(kind="replied")
    assert answered.note == FEE_BODY and answered.details["article_id"] == article.pk
    assert answered.details["source"] == "knowledge" and answered.department is None
    assert done.events.get(kind="completed").note == "来电人表示清楚了"
    article.refresh_from_db()
    assert article.use_count == 1
    for action in ("hotline.replied", "hotline.completed", "hotline.article_used"):
        assert AuditEntry.objects.filter(action=action, actor_id=agent.pk).exists(), action
    assert sent and sent[-1][0] == "13812345678" and "已办结" in sent[-1][1]


def test_only_consultations(agent: Any, article: Any) -> None:
    order = _consultation(agent, category="help")

    error = _refused(
        ErrorCode.ORDER_INVALID,
        lambda: services.answer_from_article(actor=agent, order=order, article=article),
    )

    assert error.status == 422 and "order_id" in error.details["errors"]
    _unchanged(order, article)
    assert AuditEntry.objects.filter(action="hotline.answer_from_article_refused").exists()


def test_not_once_dispatched(agent: Any, article: Any) -> None:
    order = _dispatched(agent)
    assert order.status == OrderStatus.DISPATCHED

    error = _refused(
        ErrorCode.STATUS_TRANSITION,
        lambda: services.answer_from_article(actor=agent, order=order, article=article),
    )

    assert error.status == 409
    _unchanged(order, article, status="dispatched")


def test_not_twice(agent: Any, article: Any) -> None:
    order = _consultation(agent)
    services.answer_from_article(actor=agent, order=order, article=article)

    _refused(
        ErrorCode.STATUS_TRANSITION,
        lambda: services.answer_from_article(actor=agent, order=order, article=article),
    )

    article.refresh_from_db()
    assert article.use_count == 1
    assert order.events.filter(kind="completed").count() == 1


@pytest.mark.parametrize("state", ["draft", "archived"])
def test_only_published_articles(
    agent: Any, editor: Any, lead_department: Any, article: Any, state: str
) -> None:
    other = knowledge.create_article(
        actor=editor, owner=lead_department, title="草稿", body="尚未发布的答复。"
    )
    if state == "archived":
        other = knowledge.archive_article(actor=editor, article=article)
    order = _consultation(agent)

    error = _refused(
        ErrorCode.STATUS_TRANSITION,
        lambda: services.answer_from_article(actor=agent, order=order, article=other),
    )

    assert error.status == 409
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED and order.answer == ""


def test_departments_may_not(agent: Any, lead_clerk: Any, article: Any) -> None:
    order = _consultation(agent)

    # A department clerk cannot see an order it never held: 404
    error = _refused(
        ErrorCode.NOT_FOUND,
        lambda: services.answer_from_article(actor=lead_clerk, order=order, article=article),
    )

    assert error.status == 404
    _unchanged(order, article)


def test_another_centre_gets_404(agent: Any, article: Any, regions: Any) -> None:
    yichang = DepartmentFactory(code="4205-12345", name="宜昌市12345热线", region=regions.yichang)
    far_agent = StaffFactory(username="far_agent", role="hotline_agent", department=yichang)
    order = _consultation(agent)

    _refused(
        ErrorCode.NOT_FOUND,
        lambda: services.answer_from_article(actor=far_agent, order=order, article=article),
    )

    _unchanged(order, article)


def test_an_oversized_note_is_refused(agent: Any, article: Any) -> None:
    order = _consultation(agent)

    error = _refused(
        ErrorCode.TEXT_TOO_LONG,
        lambda: services.answer_from_article(
            actor=agent, order=order, article=article, note="字" * 5001
        ),
    )

    assert "note" in error.details["errors"]
    _unchanged(order, article)


# --- the API ------------------------------------------------------------------------------------


def _answer(client: Any, user: Any, article_id: int, order_id: int) -> Any:
    client.force_login(user)
    return client.post(
        URL.format(article_id), {"order_id": order_id}, content_type="application/json"
    )


def test_api_answers_and_completes(client: Any, agent: Any, article: Any) -> None:
    order = _consultation(agent)

    response = _answer(client, agent, article.pk, order.pk)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "completed" and body["number"] == order.number
    assert body["answer"] == FEE_BODY and body["article_id"] == article.pk
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    # the order's own API shows the answer step on its timeline
    detail = client.get(f"/api/v1/hotline/orders/{order.pk}").json()
    assert [step["kind"] for step in detail["timeline"]] == ["received", "replied", "completed"]


def test_api_anonymous_is_401(client: Any, agent: Any, article: Any) -> None:
    order = _consultation(agent)

    response = client.post(
        URL.format(article.pk), {"order_id": order.pk}, content_type="application/json"
    )

    assert response.status_code == 401
    _unchanged(order, article)


def test_api_wrong_category_is_422(client: Any, agent: Any, article: Any) -> None:
    order = _consultation(agent, category="complaint")

    response = _answer(client, agent, article.pk, order.pk)

    assert response.status_code == 422
    assert response.json()["code"] == "hotline_order_invalid"
    _unchanged(order, article)


def test_api_dispatched_is_409(client: Any, agent: Any, article: Any) -> None:
    order = _dispatched(agent)

    response = _answer(client, agent, article.pk, order.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "hotline_status_transition_invalid"
    _unchanged(order, article, status="dispatched")


def test_api_unpublished_article(
    client: Any, agent: Any, supervisor: Any, centre: Any, article: Any
) -> None:
    order = _consultation(agent)
    # the centre's administrator edits the centre's own knowledge, drafts included
    draft = knowledge.create_article(
        actor=supervisor, owner=centre, title="草稿", body="草稿正文。"
    )

    # an agent does not see a draft at all: 404
    assert _answer(client, agent, draft.pk, order.pk).status_code == 404
    # its editor sees it, and is refused: not published
    response = _answer(client, supervisor, draft.pk, order.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "hotline_status_transition_invalid"
    _unchanged(order, article)


def test_api_department_clerk_and_other_region_get_404(
    client: Any, agent: Any, lead_clerk: Any, outsider: Any, article: Any
) -> None:
    order = _consultation(agent)

    for user in (lead_clerk, outsider):
        response = _answer(client, user, article.pk, order.pk)
        assert response.status_code == 404, user
        assert response.json()["code"] == "hotline_not_found"
    _unchanged(order, article)


def test_api_non_centre_staff_who_sees_the_order_gets_403(
    client: Any, agent: Any, lead_clerk: Any, article: Any
) -> None:
    # The lead department held this consultation once (it can see it), but it is not the
    # centre: 403, and nothing changes.
    order = _dispatched(agent)
    services.send_back(actor=lead_clerk, order=order, reason_text="不属于本部门")

    response = _answer(client, lead_clerk, article.pk, order.pk)

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.answer == ""


def test_api_unknown_order_or_article_is_404(client: Any, agent: Any, article: Any) -> None:
    order = _consultation(agent)

    assert _answer(client, agent, article.pk, 999_999).status_code == 404
    assert _answer(client, agent, 999_999, order.pk).status_code == 404
    _unchanged(order, article)
