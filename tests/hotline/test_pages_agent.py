"""The centre's agent pages with Django's test client: the desk, phone intake with the caller
look-up, knowledge search and answering from an article, send-back review and extension
decisions — the happy paths, the refused input (422 on the form, nothing written) and who may
not (403, 404)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.hotline import knowledge, services
from yiwang.hotline.models import (
    AssignmentStatus,
    Extension,
    OrderStatus,
    RequestStatus,
    SendBack,
    WorkOrder,
)

pytestmark = pytest.mark.django_db

CALLER = "13812345678"
FEE_BODY = "物业费标准由业主大会与物业公司约定，普通住宅前期物业服务收费实行政府指导价。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier: an order without a topic waits at the centre."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(
    topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any, support_clerk: Any
) -> Any:
    return topics


@pytest.fixture
def editor(lead_department: Any) -> Any:
    return StaffFactory(username="editor", role="department_admin", department=lead_department)


@pytest.fixture
def far_agent(regions: Any) -> Any:
    """An agent of 宜昌市's centre: none of 武汉市's orders are theirs."""
    yichang = DepartmentFactory(code="4205-12345", name="宜昌市12345热线", region=regions.yichang)
    return StaffFactory(username="far_agent", role="hotline_agent", department=yichang)


def _call(agent: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "小区物业不作为",
        "content": "我们小区物业公司长期不打扫楼道，请督促整改。",
        "region_code": "420106",
        "topic_code": "0101",
        "contact_phone": CALLER,
        "caller_number": CALLER,
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


def _consultation(agent: Any, **overrides: Any) -> WorkOrder:
    fields = {"category": "consultation", "title": "物业费标准", "topic_code": None}
    return _call(agent, **{**fields, **overrides})


def _article(editor: Any, owner: Any, title: str = "物业费怎么收", body: str = FEE_BODY) -> Any:
    draft = knowledge.create_article(
        actor=editor, owner=owner, title=title, body=body, topic_code="0101"
    )
    return knowledge.publish_article(actor=editor, article=draft)


def _page(client: Any, user: Any, url: str, **params: Any) -> Any:
    client.force_login(user)
    return client.get(url, params)


def _text(response: Any) -> str:
    return response.content.decode()


# --- the desk -----------------------------------------------------------------------------------


def test_desk_lists_what_waits_for_the_centre(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    waiting = _consultation(agent, title="咨询公积金提取")
    sent_back = _call(agent, title="楼道垃圾")
    services.send_back(actor=lead_clerk, order=sent_back, reason_text="应由街道处理")
    extended = _call(agent, title="电梯维修")
    extension = services.request_extension(
        actor=support_clerk, order=extended, reason_text="需现场勘查", amount=2, unit="working_days"
    )
    replied = _call(agent, title="漏水维修")
    services.reply(actor=lead_clerk, order=replied, content="已督促物业维修。")

    response = _page(client, agent, reverse("hotline:desk"))

    assert response.status_code == 200
    page = _text(response)
    assert "待派单（1 件）" in page and "待审核退单（1 件）" in page
    assert "待审核延期（1 件）" in page and "已答复待办结（1 件）" in page
    assert reverse("hotline:order", args=[waiting.pk]) in page
    assert f"{reverse('hotline:knowledge')}?order={waiting.pk}" in page  # a consultation
    send_back = SendBack.objects.get(assignment__order=sent_back)
    assert reverse("hotline:send-back-review", args=[send_back.pk]) in page
    assert "应由街道处理" in page
    assert reverse("hotline:extension-decide", args=[extension.pk]) in page
    assert reverse("hotline:order", args=[replied.pk]) in page
    assert 'aria-current="page"' in page  # the nav marks the desk


def _desk_queries(client: Any, agent: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("hotline:desk")).status_code == 200
    return len(queries)


def test_desk_queries_do_not_grow_with_its_rows(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    def one_of_each() -> None:
        _consultation(agent)
        services.send_back(actor=lead_clerk, order=_call(agent), reason_text="不属本部门")
        services.request_extension(
            actor=support_clerk, order=_call(agent), reason_text="勘查", amount=1, unit="hours"
        )
        services.reply(actor=lead_clerk, order=_call(agent), content="已处理。")

    one_of_each()
    few = _desk_queries(client, agent)
    for _ in range(4):
        one_of_each()

    assert _desk_queries(client, agent) == few <= 16  # 14 when measured


def test_desk_is_empty_for_another_centre(
    client: Any, setup: Any, agent: Any, far_agent: Any
) -> None:
    order = _consultation(agent)

    response = _page(client, far_agent, reverse("hotline:desk"))

    assert response.status_code == 200
    assert order.number not in _text(response)
    assert "没有待派单的工单。" in _text(response)


def test_desk_sends_a_department_clerk_to_the_queue(
    client: Any, setup: Any, lead_clerk: Any
) -> None:
    response = _page(client, lead_clerk, reverse("hotline:desk"))

    assert response.status_code == 302 and response["Location"] == reverse("hotline:queue")


def test_desk_refuses_others(client: Any, setup: Any, citizen: Any, auditor: Any) -> None:
    assert client.get(reverse("hotline:desk")).status_code == 302  # to the staff sign-in
    assert _page(client, citizen, reverse("hotline:desk")).status_code == 403
    assert _page(client, auditor, reverse("hotline:desk")).status_code == 403


# --- phone intake -------------------------------------------------------------------------------


def _intake(**overrides: Any) -> dict[str, str]:
    data = {
        "caller_number": CALLER,
        "recording_ref": "REC-20261202-001",
        "category": "complaint",
        "topic": "0101",
        "region": "420106",
        "address": "武昌区积玉桥街道某小区3栋",
        "latitude": "30.56",
        "longitude": "114.30",
        "urgency": "normal",
        "contact_name": "李四",
        "contact_phone": "",
        "title": "",
        "content": "我们小区物业公司长期不打扫楼道，垃圾堆积，请相关部门督促整改。",
        "agent_notes": "来电情绪激动",
    }
    data.update(overrides)
    return data


def test_intake_form_offers_the_agents_regions_and_active_topics(
    client: Any, setup: Any, agent: Any
) -> None:
    response = _page(client, agent, reverse("hotline:intake"))

    assert response.status_code == 200
    page = _text(response)
    assert 'value="420106"' in page and 'value="4201" selected' in page
    assert 'value="4205"' not in page  # 宜昌市 is another centre's
    assert 'value="420106001001"' not in page  # villages are left out of the list
    assert 'value="0101"' in page and 'value="0199"' not in page  # inactive topic


def test_intake_creates_and_dispatches_an_order(client: Any, setup: Any, agent: Any) -> None:
    client.force_login(agent)

    response = client.post(reverse("hotline:intake"), _intake(), follow=False)

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:order", args=[order.pk])
    assert order.channel == "phone" and order.status == OrderStatus.DISPATCHED
    assert order.caller_number == CALLER and order.recording_ref == "REC-20261202-001"
    assert order.agent_notes == "来电情绪激动" and order.created_by == agent
    assert str(order.latitude) == "30.560000"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"已登记工单 {order.number}，已转武汉市住房和城市更新局办理。"]


def test_intake_without_a_topic_waits_for_routing(client: Any, setup: Any, agent: Any) -> None:
    client.force_login(agent)

    response = client.post(
        reverse("hotline:intake"),
        _intake(topic="", category="consultation", latitude="", longitude="", confidential="on"),
    )

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.status == OrderStatus.RECEIVED and order.confidential
    assert order.latitude is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "暂无派单建议" in messages[0] and order.number in messages[0]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"latitude": "95"}, "latitude", "坐标无效"),
        ({"latitude": "30.5", "longitude": ""}, "latitude", "坐标无效"),
        ({"latitude": "abc"}, "latitude", "坐标无效"),
        ({"content": "   "}, "content", "请填写诉求内容。"),
        ({"content": "字" * 5001}, "content", "内容过长（最多 5000 字）"),
        ({"topic": "0199"}, "topic", "诉求分类 0199 不存在或已停用。"),
        ({"topic": "9999"}, "topic", "诉求分类 9999 不存在或已停用。"),
        ({"region": "4205"}, "region", "区划 4205 不在您受理的范围内。"),
        ({"caller_number": "12345"}, "caller_number", "电话号码格式不正确"),
        ({"title": "题" * 201}, "title", "标题过长"),
        ({"category": "gossip"}, "category", "gossip"),
    ],
)
def test_bad_intake_shows_on_the_form_and_writes_nothing(
    client: Any, setup: Any, agent: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    client.force_login(agent)

    response = client.post(reverse("hotline:intake"), _intake(**overrides))

    assert response.status_code == 422
    page = _text(response)
    assert message in page
    assert f'href="#id_{field}' in page  # the error summary links to the field
    assert re.search(rf'id="id_{field}[^"]*"[^>]*aria-invalid="true"', page) or (
        f'id="id_{field}-error"' in page
    )
    assert page.count("<title>错误：") == 1
    assert WorkOrder.objects.count() == 0


def test_intake_keeps_what_was_typed_after_an_error(client: Any, setup: Any, agent: Any) -> None:
    client.force_login(agent)

    response = client.post(reverse("hotline:intake"), _intake(latitude="95", address="某路1号"))

    assert response.status_code == 422
    assert 'value="某路1号"' in _text(response) and "来电情绪激动" in _text(response)


def test_caller_look_up_shows_earlier_orders(
    client: Any, setup: Any, agent: Any, far_agent: Any
) -> None:
    first = _call(agent, title="楼道垃圾无人清理")
    other = _call(agent, caller_number="13900000000", contact_phone="13900000000")

    response = _page(client, agent, reverse("hotline:intake"), caller=CALLER)

    assert response.status_code == 200
    page = _text(response)
    assert first.number in page and "楼道垃圾无人清理" in page
    assert reverse("hotline:order", args=[first.pk]) in page and "已派单" in page
    assert other.number not in page
    assert f'value="{CALLER}"' in page  # the intake form starts with the number
    # another centre finds nothing of 武汉市's
    page = _text(_page(client, far_agent, reverse("hotline:intake"), caller=CALLER))
    assert first.number not in page and f"号码 {CALLER} 没有以前的工单。" in page


def test_caller_look_up_refuses_a_malformed_number(client: Any, setup: Any, agent: Any) -> None:
    response = _page(client, agent, reverse("hotline:intake"), caller="abc")

    assert response.status_code == 422
    assert "号码只能包含数字和连字符。" in _text(response)
    assert 'href="#id_caller"' in _text(response)


def test_intake_is_the_centres(client: Any, setup: Any, lead_clerk: Any, citizen: Any) -> None:
    for user in (lead_clerk, citizen):
        client.force_login(user)
        assert client.get(reverse("hotline:intake")).status_code == 403
        assert client.post(reverse("hotline:intake"), _intake()).status_code == 403
    assert WorkOrder.objects.count() == 0


# --- knowledge ----------------------------------------------------------------------------------


def test_knowledge_search_marks_the_words_found(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    knowledge.create_article(
        actor=editor, owner=lead_department, title="物业费草稿", body="尚未发布。"
    )

    response = _page(client, agent, reverse("hotline:knowledge"), q="物业费")

    assert response.status_code == 200
    page = _text(response)
    assert "找到 1 条知识" in page
    assert reverse("hotline:knowledge-article", args=[article.pk]) in page
    assert "<mark>物业费</mark>" in page
    assert "物业费草稿" not in page  # agents find published articles only


def test_knowledge_search_with_synonyms_topic_filter_and_bad_topic(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    knowledge.set_synonyms(actor=editor, term="物业", synonyms=["物管"])
    _article(editor, lead_department, title="物业服务投诉渠道", body="可向住房和城市更新局反映。")

    page = _text(_page(client, agent, reverse("hotline:knowledge"), q="物管投诉"))
    assert "<mark>物业</mark>服务<mark>投诉</mark>渠道" in page  # 物管 found 物业

    page = _text(_page(client, agent, reverse("hotline:knowledge"), q="", topic="0102"))
    assert "找到 0 条知识" in page

    response = _page(client, agent, reverse("hotline:knowledge"), q="物业", topic="0199")
    assert response.status_code == 422
    assert "诉求分类 0199 不存在或已停用。" in _text(response)


def test_knowledge_search_pages(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    for n in range(12):
        _article(editor, lead_department, title=f"维修资金问答{n:02d}", body=f"维修资金第{n}问。")

    first = _text(_page(client, agent, reverse("hotline:knowledge"), q="维修资金"))
    second = _text(_page(client, agent, reverse("hotline:knowledge"), q="维修资金", page="2"))

    assert "找到 12 条知识" in first and "第 1 页，共 2 页" in first
    assert first.count('class="hotline-agent-hit"') == 10
    assert second.count('class="hotline-agent-hit"') == 2 and "第 2 页，共 2 页" in second
    assert 'rel="prev"' in second


def test_knowledge_is_open_to_department_staff_not_citizens(
    client: Any, setup: Any, lead_clerk: Any, citizen: Any
) -> None:
    assert _page(client, lead_clerk, reverse("hotline:knowledge"), q="物业").status_code == 200
    assert _page(client, citizen, reverse("hotline:knowledge")).status_code == 403


def test_article_page_shows_owner_review_date_and_versions(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    knowledge.update_article(actor=editor, article=article, title="物业费收费标准", body=FEE_BODY)

    response = _page(client, agent, reverse("hotline:knowledge-article", args=[article.pk]))

    assert response.status_code == 200
    page = _text(response)
    assert "物业费收费标准" in page and "武汉市住房和城市更新局" in page
    assert article.review_due_on.isoformat() in page and "第 2 版" in page
    assert "物业费怎么收" in page  # version 1 in the history
    assert "以此答复并办结" not in page  # no order named


def test_article_drafts_and_unknown_are_404(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    draft = knowledge.create_article(
        actor=editor, owner=lead_department, title="草稿", body="草稿。"
    )

    assert (
        _page(client, agent, reverse("hotline:knowledge-article", args=[draft.pk])).status_code
        == 404
    )
    assert (
        _page(client, agent, reverse("hotline:knowledge-article", args=[999999])).status_code == 404
    )
    # the editor sees their own draft
    assert (
        _page(client, editor, reverse("hotline:knowledge-article", args=[draft.pk])).status_code
        == 200
    )


def test_answer_a_consultation_from_an_article(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    order = _consultation(agent)

    search = _text(_page(client, agent, reverse("hotline:knowledge"), order=order.pk))
    link = f"{reverse('hotline:knowledge-article', args=[article.pk])}?order={order.pk}"
    assert "物业费标准" in search and link in search  # the order's title is the first query

    page = _text(client.get(link))
    assert "以此答复并办结" in page and order.number in page
    response = client.post(link, {"note": "已电话告知"})

    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:order", args=[order.pk])
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.answer == FEE_BODY
    assert order.knowledge_article_id == article.pk
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"工单 {order.number} 已用知识“物业费怎么收”答复并办结，已短信告知来电人。"]


def test_answer_refused_for_an_order_no_longer_at_the_centre(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    order = services.dispatch(actor=agent, order=_consultation(agent), topic_code="0101")
    link = f"{reverse('hotline:knowledge-article', args=[article.pk])}?order={order.pk}"

    page = _text(_page(client, agent, link))
    assert "以此答复并办结" not in page and "不能再用知识库答复" in page

    response = client.post(link, {"note": ""})
    assert response.status_code == 409
    assert "不能用知识库答复" in _text(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.answer == ""


def test_answer_refused_for_a_complaint(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    order = _call(agent, topic_code=None)  # a complaint waiting at the centre
    link = f"{reverse('hotline:knowledge-article', args=[article.pk])}?order={order.pk}"

    page = _text(_page(client, agent, link))
    assert "不是咨询类" in page and "以此答复并办结" not in page
    response = client.post(link, {})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED and order.answer == ""


def test_answer_with_an_oversized_note_shows_on_the_form(
    client: Any, setup: Any, agent: Any, editor: Any, lead_department: Any
) -> None:
    article = _article(editor, lead_department)
    order = _consultation(agent)
    link = f"{reverse('hotline:knowledge-article', args=[article.pk])}?order={order.pk}"
    client.force_login(agent)

    response = client.post(link, {"note": "字" * 5001})

    assert response.status_code == 422
    assert 'href="#id_note"' in _text(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_answer_for_an_order_of_another_centre_or_a_department_is_404(
    client: Any,
    setup: Any,
    agent: Any,
    far_agent: Any,
    lead_clerk: Any,
    editor: Any,
    lead_department: Any,
) -> None:
    article = _article(editor, lead_department)
    order = _consultation(agent)
    # the lead department sees this one
    held = services.dispatch(actor=agent, order=_consultation(agent), topic_code="0101")
    for user, target in ((far_agent, order), (lead_clerk, order), (lead_clerk, held)):
        link = f"{reverse('hotline:knowledge-article', args=[article.pk])}?order={target.pk}"
        client.force_login(user)
        assert client.get(link).status_code == 404, user
        assert client.post(link, {}).status_code == 404, user
        assert client.get(reverse("hotline:knowledge"), {"order": target.pk}).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    # a POST with no order named answers nothing
    client.force_login(agent)
    assert (
        client.post(reverse("hotline:knowledge-article", args=[article.pk]), {}).status_code == 404
    )


# --- send-backs ---------------------------------------------------------------------------------


@pytest.fixture
def sent_back(setup: Any, agent: Any, lead_clerk: Any, supporting_department: Any) -> SendBack:
    order = _call(agent)
    return services.send_back(
        actor=lead_clerk,
        order=order,
        reason_text="楼道卫生属街道管理",
        suggested_code=supporting_department.code,
    )


def _review_url(row: Any) -> str:
    return reverse("hotline:send-back-review", args=[row.pk])


def test_send_back_page_shows_the_request(client: Any, sent_back: SendBack, agent: Any) -> None:
    response = _page(client, agent, _review_url(sent_back))

    assert response.status_code == 200
    page = _text(response)
    assert "楼道卫生属街道管理" in page and "武汉市城市管理执法委员会" in page
    assert sent_back.assignment.order.number in page
    assert 'option value="4201-CGW" selected' in page  # the suggestion is preselected
    assert 'value="4201-ZFGXJ"' not in page  # not back to the department that sent it


def test_accept_and_redispatch(client: Any, sent_back: SendBack, agent: Any) -> None:
    client.force_login(agent)

    response = client.post(
        _review_url(sent_back),
        {"action": "approve", "approve-lead": "4201-CGW", "approve-note": "同意改派"},
    )

    assert response.status_code == 302 and response["Location"] == _review_url(sent_back)
    sent_back.refresh_from_db()
    order = sent_back.assignment.order
    order.refresh_from_db()
    assert sent_back.status == RequestStatus.APPROVED and sent_back.review_note == "同意改派"
    assert order.lead_department.code == "4201-CGW"
    page = _text(client.get(_review_url(sent_back)))
    assert "已同意退单" in page and "已同意" in page and 'id="approve-form"' not in page


def test_accepting_a_supporting_departments_send_back_releases_it(
    client: Any, setup: Any, agent: Any, support_clerk: Any
) -> None:
    order = _call(agent)
    row = services.send_back(actor=support_clerk, order=order, reason_text="无协办职责")
    client.force_login(agent)

    page = _text(client.get(_review_url(row)))
    assert 'id="id_approve-lead"' not in page and "主办部门不变" in page
    response = client.post(_review_url(row), {"action": "approve", "approve-note": ""})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.lead_department.code == "4201-ZFGXJ"  # the lead stays
    row.refresh_from_db()
    assert row.status == RequestStatus.APPROVED
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"已同意退单，武汉市城市管理执法委员会不再协办工单 {order.number}。"]


def test_reject_needs_a_reason_then_the_department_keeps_it(
    client: Any, sent_back: SendBack, agent: Any
) -> None:
    client.force_login(agent)

    response = client.post(_review_url(sent_back), {"action": "reject", "reject-note": ""})

    assert response.status_code == 422
    assert "请填写理由，部门将看到。" in _text(response)
    assert 'href="#id_reject-note"' in _text(response)
    sent_back.refresh_from_db()
    assert sent_back.status == RequestStatus.PENDING

    response = client.post(
        _review_url(sent_back), {"action": "reject", "reject-note": "属于物业服务范畴"}
    )

    assert response.status_code == 302
    sent_back.refresh_from_db()
    sent_back.assignment.refresh_from_db()
    assert sent_back.status == RequestStatus.REJECTED
    assert sent_back.assignment.status == AssignmentStatus.PENDING
    assert sent_back.assignment.order.lead_department.code == "4201-ZFGXJ"


def test_accept_without_a_department_is_refused_on_the_field(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    row = services.send_back(actor=lead_clerk, order=_call(agent), reason_text="不归我们管")
    client.force_login(agent)

    response = client.post(_review_url(row), {"action": "approve", "approve-lead": ""})

    assert response.status_code == 422
    assert "请指定新的主办部门。" in _text(response)
    assert 'href="#id_approve-lead"' in _text(response)
    row.refresh_from_db()
    assert row.status == RequestStatus.PENDING


def test_reviewing_twice_is_refused(client: Any, sent_back: SendBack, agent: Any) -> None:
    client.force_login(agent)
    client.post(_review_url(sent_back), {"action": "reject", "reject-note": "驳回"})

    response = client.post(_review_url(sent_back), {"action": "reject", "reject-note": "再驳回"})

    assert response.status_code == 409
    assert "不能重复审核退单" in _text(response)


def test_send_back_page_is_the_centres(
    client: Any, sent_back: SendBack, lead_clerk: Any, far_agent: Any, citizen: Any
) -> None:
    assert _page(client, lead_clerk, _review_url(sent_back)).status_code == 403
    assert _page(client, citizen, _review_url(sent_back)).status_code == 403
    assert _page(client, far_agent, _review_url(sent_back)).status_code == 404
    client.force_login(far_agent)
    response = client.post(_review_url(sent_back), {"action": "reject", "reject-note": "x"})
    assert response.status_code == 404
    assert (
        _page(client, far_agent, reverse("hotline:send-back-review", args=[999999])).status_code
        == 404
    )
    sent_back.refresh_from_db()
    assert sent_back.status == RequestStatus.PENDING


def test_unknown_action_is_404(client: Any, sent_back: SendBack, agent: Any) -> None:
    client.force_login(agent)

    assert client.post(_review_url(sent_back), {"action": "delete"}).status_code == 404


# --- extensions ---------------------------------------------------------------------------------


@pytest.fixture
def extension(setup: Any, agent: Any, lead_clerk: Any) -> Extension:
    order = _call(agent)
    return services.request_extension(
        actor=lead_clerk, order=order, reason_text="需要协调多个部门", amount=3, unit="working_days"
    )


def _decide_url(row: Any) -> str:
    return reverse("hotline:extension-decide", args=[row.pk])


def test_extension_page_and_approval(client: Any, extension: Extension, agent: Any) -> None:
    due_before = extension.assignment.due_at

    page = _text(_page(client, agent, _decide_url(extension)))
    assert "需要协调多个部门" in page and "3 工作日" in page

    response = client.post(_decide_url(extension), {"action": "approve", "approve-note": "同意"})

    assert response.status_code == 302
    extension.refresh_from_db()
    extension.assignment.refresh_from_db()
    assert extension.status == RequestStatus.APPROVED
    assert extension.assignment.due_at > due_before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0].startswith("已同意延期，新的办理期限为 ")


def test_extension_refusal_needs_a_reason(client: Any, extension: Extension, agent: Any) -> None:
    due_before = extension.assignment.due_at
    client.force_login(agent)

    response = client.post(_decide_url(extension), {"action": "reject", "reject-note": " "})
    assert response.status_code == 422
    extension.refresh_from_db()
    assert extension.status == RequestStatus.PENDING

    response = client.post(_decide_url(extension), {"action": "reject", "reject-note": "时限充足"})
    assert response.status_code == 302
    extension.refresh_from_db()
    extension.assignment.refresh_from_db()
    assert extension.status == RequestStatus.REJECTED
    assert extension.assignment.due_at == due_before
    page = _text(client.get(_decide_url(extension)))
    assert "时限充足" in page and 'id="reject-form"' not in page

    response = client.post(_decide_url(extension), {"action": "approve", "approve-note": ""})
    assert response.status_code == 409


def test_extension_page_is_the_centres(
    client: Any, extension: Extension, lead_clerk: Any, far_agent: Any
) -> None:
    assert _page(client, lead_clerk, _decide_url(extension)).status_code == 403
    assert _page(client, far_agent, _decide_url(extension)).status_code == 404
    client.force_login(lead_clerk)
    assert client.post(_decide_url(extension), {"action": "approve"}).status_code == 403
    extension.refresh_from_db()
    assert extension.status == RequestStatus.PENDING
