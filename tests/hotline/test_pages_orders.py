"""The work-order pages through Django's test client: the queue (who sees what, filters, a
fixed number of queries), the order page (contact masking, timeline, which forms show) and
every action, each with its happy path and its refusals (invalid input 422 on the form, a
wrong state 409, a department that does not hold the order 403, an outsider 404), with
nothing written when refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.hotline import services
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Extension,
    Feedback,
    OrderEvent,
    OrderStatus,
    SendBack,
    Supervision,
    WorkOrder,
)

pytestmark = pytest.mark.django_db

QUEUE = "/staff/hotline/orders/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: orders without a topic wait for an agent."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(
    topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any, support_clerk: Any
) -> Any:
    return topics


def call(agent: Any, **overrides: Any) -> WorkOrder:
    """A phone call on 物业服务 in 武昌区: dispatched at once to the lead (and supporting)
    department by the catalogue."""
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "小区物业不作为",
        "content": "我们小区物业公司长期不打扫楼道，垃圾堆积，请相关部门督促整改。",
        "region_code": "420106",
        "address": "武昌区积玉桥街道某小区3栋",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "urgency": "normal",
        "topic_code": "0101",
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "caller_number": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


def page_of(order: WorkOrder) -> str:
    return f"/staff/hotline/orders/{order.pk}/"


def action(order: WorkOrder, name: str) -> str:
    return f"/staff/hotline/orders/{order.pk}/do/{name}/"


def text(response: Any) -> str:
    return str(response.content.decode())


def writes() -> tuple[int, int, int, int, int, int]:
    """Counts of everything an action may write."""
    return (
        OrderEvent.objects.count(),
        SendBack.objects.count(),
        Extension.objects.count(),
        Attachment.objects.count(),
        Supervision.objects.count(),
        Feedback.objects.count(),
    )


def signed(clerk: Any, order: WorkOrder) -> None:
    services.sign_for(actor=clerk, order=order)


def replied(clerk: Any, order: WorkOrder) -> WorkOrder:
    services.reply(actor=clerk, order=order, content="已督促物业公司每日清扫楼道。")
    return WorkOrder.objects.get(pk=order.pk)


# --- the queue ------------------------------------------------------------------------------


def test_queue_needs_sign_in_and_a_hotline_role(client: Any, setup: Any, citizen: Any) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(citizen)
    assert client.get(QUEUE).status_code == 403


def test_queue_shows_each_user_the_orders_they_may_see(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, outsider: Any
) -> None:
    dispatched = call(agent)
    waiting = call(agent, topic_code=None, title="路灯不亮")  # no rule, no model: waits
    assert waiting.status == OrderStatus.RECEIVED

    client.force_login(agent)
    page = text(client.get(QUEUE))
    assert dispatched.number in page and waiting.number in page
    assert "待确认" in page

    client.force_login(lead_clerk)
    page = text(client.get(QUEUE))
    assert dispatched.number in page and waiting.number not in page
    assert "主办 · 待签收" in page  # the department's own role and status

    client.force_login(outsider)
    page = text(client.get(QUEUE))
    assert dispatched.number not in page and "还没有工单" in page


def test_queue_filters(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    complaint = call(agent)
    urgent = call(agent, category="help", urgency="urgent", title="楼道积水求助")
    signed(lead_clerk, urgent)
    late = call(agent, category="suggestion", title="建议增设垃圾桶")
    WorkOrder.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))

    client.force_login(agent)
    page = text(client.get(QUEUE, {"category": "help"}))
    assert urgent.number in page and complaint.number not in page
    page = text(client.get(QUEUE, {"urgency": "urgent"}))
    assert urgent.number in page and late.number not in page
    page = text(client.get(QUEUE, {"status": "in_progress"}))
    assert urgent.number in page and complaint.number not in page
    page = text(client.get(QUEUE, {"deadline": "overdue"}))
    assert late.number in page and complaint.number not in page
    assert "已超期" in page and "⚠" in page and "hotline-due--overdue" in page
    page = text(client.get(QUEUE, {"deadline": "on_time"}))
    assert complaint.number in page and late.number not in page
    page = text(client.get(QUEUE, {"q": complaint.number[-6:]}))
    assert complaint.number in page and urgent.number not in page
    page = text(client.get(QUEUE, {"status": "nonsense"}))  # dropped, not an error
    assert complaint.number in page and urgent.number in page

    client.force_login(lead_clerk)
    page = text(client.get(QUEUE, {"assignment": "pending"}))
    assert complaint.number in page and urgent.number not in page
    page = text(client.get(QUEUE, {"role": "support"}))
    assert "没有符合筛选条件的工单" in page

    signed(support_clerk, complaint)
    client.force_login(support_clerk)
    page = text(client.get(QUEUE, {"role": "support", "assignment": "signed"}))
    assert complaint.number in page and urgent.number not in page


def test_queue_pages_by_25_newest_first(client: Any, setup: Any, agent: Any) -> None:
    orders = [call(agent, title=f"第{i}件") for i in range(27)]
    client.force_login(agent)
    first = text(client.get(QUEUE))
    assert "第 1 页，共 2 页" in first and "共 27 件" in first
    assert orders[-1].number in first and orders[0].number not in first
    second = text(client.get(QUEUE, {"page": 2}))
    assert orders[0].number in second and orders[1].number in second


def _queue_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE).status_code == 200
    return len(captured.captured_queries)


def test_queue_queries_do_not_grow_with_the_page(
    client: Any,
    setup: Any,
    agent: Any,
    lead_clerk: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(2):
        call(agent, title=f"少{i}")
    client.force_login(lead_clerk)
    few = _queue_queries(client)
    client.force_login(agent)
    few_centre = _queue_queries(client)
    for i in range(23):
        call(agent, title=f"多{i}")
    client.force_login(lead_clerk)
    with django_assert_max_num_queries(few):
        assert client.get(QUEUE).status_code == 200
    client.force_login(agent)
    with django_assert_max_num_queries(few_centre):
        assert client.get(QUEUE).status_code == 200
    assert few <= 10 and few_centre <= 10  # 7 and 8 when measured


# --- the order page -------------------------------------------------------------------------


def test_order_page_shows_the_order_and_its_timeline(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    order = call(agent)
    signed(lead_clerk, order)
    client.force_login(lead_clerk)
    page = text(client.get(page_of(order)))
    for shown in (
        order.number,
        "小区物业不作为",
        "物业服务",
        "武昌区",
        "积玉桥街道",
        "30.560000, 114.300000",
        "电话",
        "武汉市城市管理执法委员会",
        "剩余",
    ):
        assert shown in page, shown
    timeline = page[page.index("办理过程") :]
    steps = re.findall(r"<strong>(受理|派单|签收)</strong>", timeline)
    assert steps == ["受理", "派单", "签收"]


def test_contact_is_masked_for_departments_unless_allowed(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(agent)
    assert "13812345678" in text(client.get(page_of(order)))
    client.force_login(lead_clerk)  # the lead calls the citizen back
    page = text(client.get(page_of(order)))
    assert "13812345678" in page and "李四" in page
    client.force_login(support_clerk)
    page = text(client.get(page_of(order)))
    assert "13812345678" not in page and "138****5678" in page and "李*" in page
    assert "已脱敏" in page

    secret = call(agent, confidential=True)
    client.force_login(lead_clerk)
    page = text(client.get(page_of(secret)))
    assert "13812345678" not in page and "138****5678" in page
    assert "市民要求保密" in page


def test_order_page_refuses_who_may_not_see_it(
    client: Any, setup: Any, agent: Any, outsider: Any, citizen: Any
) -> None:
    order = call(agent)
    client.force_login(outsider)
    assert client.get(page_of(order)).status_code == 404
    client.force_login(agent)
    assert client.get("/staff/hotline/orders/999999/").status_code == 404
    client.force_login(citizen)
    assert client.get(page_of(order)).status_code == 403


def test_forms_show_only_to_who_may_use_them(
    client: Any, setup: Any, agent: Any, supervisor: Any, lead_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    page = text(client.get(page_of(order)))
    for shown in ("sign-for-form", "reply-form", "extension-form", "send-back-form"):
        assert shown in page
    for hidden in ("dispatch-form", "complete-form", "supervise-form", "callback-form"):
        assert hidden not in page
    client.force_login(agent)
    page = text(client.get(page_of(order)))
    assert "merge-form" in page and "没有可合并的相似工单" in page
    for hidden in ("sign-for-form", "reply-form", "dispatch-form", "complete-form"):
        assert hidden not in page
    assert "supervise-form" not in page  # agents do not supervise
    client.force_login(supervisor)
    assert "supervise-form" in text(client.get(page_of(order)))


# --- department actions ---------------------------------------------------------------------


def test_sign_for(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    response = client.post(action(order, "sign-for"))
    assert response.status_code == 302 and response["Location"] == page_of(order)
    lead = Assignment.objects.get(order=order, role="lead")
    assert lead.status == AssignmentStatus.SIGNED and lead.signed_by == lead_clerk
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.IN_PROGRESS
    assert "已签收工单" in text(client.get(page_of(order)))

    before = writes()
    again = client.post(action(order, "sign-for"))  # a second click
    assert again.status_code == 409
    assert "不能重复签收" in text(again) and "error-summary" in text(again)
    assert writes() == before


def test_support_department_signs_for_its_own_assignment(
    client: Any, setup: Any, agent: Any, support_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(support_clerk)
    assert client.post(action(order, "sign-for")).status_code == 302
    support = Assignment.objects.get(order=order, role="support")
    assert support.status == AssignmentStatus.SIGNED
    assert Assignment.objects.get(order=order, role="lead").status == AssignmentStatus.PENDING
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.DISPATCHED


def test_outsiders_and_the_centre_cannot_act_for_a_department(
    client: Any, setup: Any, agent: Any, outsider: Any
) -> None:
    order = call(agent)
    before = writes()
    client.force_login(outsider)
    assert client.post(action(order, "sign-for")).status_code == 404
    assert client.post(action(order, "reply"), {"reply-content": "x"}).status_code == 404
    client.force_login(agent)  # the centre sees it but holds no assignment
    assert client.post(action(order, "sign-for")).status_code == 403
    assert writes() == before
    assert Assignment.objects.filter(order=order, status="pending").count() == 2


def test_send_back(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supporting_department: Any
) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    before = writes()
    empty = client.post(action(order, "send-back"), {"send-back-reason": "  "})
    assert empty.status_code == 422
    assert "请填写理由。" in text(empty) and 'aria-invalid="true"' in text(empty)
    assert writes() == before

    response = client.post(
        action(order, "send-back"),
        {
            "send-back-reason": "楼道保洁属物业合同纠纷，不属本局职责。",
            "send-back-suggested_code": supporting_department.code,
        },
    )
    assert response.status_code == 302
    row = SendBack.objects.get()
    assert row.suggested_department == supporting_department and row.status == "pending"
    lead = Assignment.objects.get(order=order, role="lead")
    assert lead.status == AssignmentStatus.SENT_BACK

    # The department no longer holds it: replying is refused, nothing written.
    before = writes()
    refused = client.post(action(order, "reply"), {"reply-content": "已处理。"})
    assert refused.status_code == 403
    assert writes() == before
    page = text(client.get(page_of(order)))
    assert "楼道保洁属物业合同纠纷" in page and "reply-form" not in page


def test_send_back_to_an_unknown_department_is_refused(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    response = client.post(
        action(order, "send-back"),
        {"send-back-reason": "不属本局", "send-back-suggested_code": "NOPE"},
    )
    assert response.status_code == 422 and not SendBack.objects.exists()


def test_extension(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    bad = client.post(
        action(order, "extension"),
        {"extension-amount": "0", "extension-unit": "working_days", "extension-reason": "x"},
    )
    assert bad.status_code == 422 and "延长时限应为 1 至 60。" in text(bad)
    no_reason = client.post(
        action(order, "extension"),
        {"extension-amount": "5", "extension-unit": "working_days", "extension-reason": ""},
    )
    assert no_reason.status_code == 422 and "请填写理由。" in text(no_reason)
    assert not Extension.objects.exists()

    data = {
        "extension-amount": "5",
        "extension-unit": "working_days",
        "extension-reason": "需现场勘查并协调物业公司。",
    }
    assert client.post(action(order, "extension"), data).status_code == 302
    row = Extension.objects.get()
    assert (row.amount, row.unit, row.status) == (5, "working_days", "pending")
    assert "extension-form" not in text(client.get(page_of(order)))
    again = client.post(action(order, "extension"), data)
    assert again.status_code == 409 and "已有待审核的延期申请" in text(again)
    assert Extension.objects.count() == 1


def test_reply_empty_then_with_a_file(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    before = writes()
    empty = client.post(
        action(order, "reply"),
        {"reply-content": "", "reply-attachments": SimpleUploadedFile("a.png", PNG)},
    )
    assert empty.status_code == 422
    page = text(empty)
    assert "答复内容不能为空。" in page and 'href="#id_reply-content"' in page
    assert writes() == before and WorkOrder.objects.get(pk=order.pk).status == "dispatched"

    response = client.post(
        action(order, "reply"),
        {
            "reply-content": "已约谈物业公司，楼道每日清扫。",
            "reply-attachments": [
                SimpleUploadedFile("现场.png", PNG),
                SimpleUploadedFile("整改.png", PNG),
            ],
        },
    )
    assert response.status_code == 302
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.status == OrderStatus.REPLIED and fresh.answer.startswith("已约谈")
    files = list(Attachment.objects.filter(order=order))
    assert len(files) == 2 and all(f.assignment is not None for f in files)

    page = text(client.get(page_of(order)))
    assert "现场.png" in page and "已约谈物业公司" in page
    download = client.get(f"/staff/hotline/orders/{order.pk}/files/{files[0].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG


def test_reply_refuses_a_file_of_the_wrong_type(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    response = client.post(
        action(order, "reply"),
        {
            "reply-content": "已处理。",
            "reply-attachments": SimpleUploadedFile("a.txt", b"just text"),
        },
    )
    assert response.status_code == 422 and "不支持此文件类型" in text(response)
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.DISPATCHED
    assert not Attachment.objects.exists()


def test_a_refused_reply_leaves_no_file_behind(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, settings: Any, tmp_path: Any
) -> None:
    from yiwang.kernel.models import StoredFile

    settings.MEDIA_ROOT = str(tmp_path)
    order = call(agent)
    services.send_back(actor=lead_clerk, order=order, reason_text="不属于本部门职责")
    client.force_login(lead_clerk)  # the department no longer holds it: the reply is refused

    response = client.post(
        action(order, "reply"),
        {"reply-content": "已处理。", "reply-attachments": SimpleUploadedFile("a.png", PNG)},
    )

    assert response.status_code == 403
    assert not StoredFile.objects.exists() and not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_supporting_department_replies_on_the_timeline(
    client: Any, setup: Any, agent: Any, support_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(support_clerk)
    response = client.post(action(order, "reply"), {"reply-content": "已配合现场检查。"})
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.DISPATCHED
    support = Assignment.objects.get(order=order, role="support")
    assert support.status == AssignmentStatus.REPLIED
    assert "已配合现场检查" in text(client.get(page_of(order)))


def test_outsider_cannot_download_an_attachment(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, outsider: Any
) -> None:
    order = call(agent)
    client.force_login(lead_clerk)
    client.post(
        action(order, "reply"),
        {"reply-content": "已处理。", "reply-attachments": SimpleUploadedFile("a.png", PNG)},
    )
    row = Attachment.objects.get()
    client.force_login(outsider)
    assert client.get(f"/staff/hotline/orders/{order.pk}/files/{row.pk}/").status_code == 404


# --- centre actions -------------------------------------------------------------------------


def test_dispatch_overrides_the_proposal(
    client: Any,
    setup: Any,
    agent: Any,
    lead_clerk: Any,
    supporting_department: Any,
    lead_department: Any,
) -> None:
    order = call(agent, topic_code=None, title="楼顶漏水")
    WorkOrder.objects.filter(pk=order.pk).update(
        proposed_topic=setup.property_service,
        proposed_department=lead_department,
        proposal_confidence=0.62,
    )
    client.force_login(agent)
    page = text(client.get(page_of(order)))
    assert "dispatch-form" in page and "62%" in page and "智能分派建议" in page

    client.force_login(lead_clerk)  # a department cannot dispatch
    assert client.get(page_of(order)).status_code == 404  # nor see a received order
    client.force_login(agent)
    missing = client.post(action(order, "dispatch"), {"dispatch-topic_code": ""})
    assert missing.status_code == 422 and "请选择诉求分类。" in text(missing)

    response = client.post(
        action(order, "dispatch"),
        {
            "dispatch-topic_code": setup.repairs.code,
            "dispatch-lead_code": supporting_department.code,
            "dispatch-supporting_codes": [lead_department.code],
        },
    )
    assert response.status_code == 302
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.status == OrderStatus.DISPATCHED and fresh.topic == setup.repairs
    assert fresh.lead_department == supporting_department
    roles = {a.department_id: a.role for a in fresh.assignments.all()}
    assert roles == {supporting_department.pk: "lead", lead_department.pk: "support"}

    again = client.post(action(order, "dispatch"), {"dispatch-topic_code": setup.repairs.code})
    assert again.status_code == 409 and "不能派单" in text(again)


def test_dispatch_by_the_catalogue(client: Any, setup: Any, agent: Any) -> None:
    order = call(agent, topic_code=None)
    client.force_login(agent)
    response = client.post(action(order, "dispatch"), {"dispatch-topic_code": "0101"})
    assert response.status_code == 302
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.lead_department is not None and fresh.lead_department.code == "4201-ZFGXJ"
    assert fresh.assignments.count() == 2


def test_a_phone_consultation_waits_with_a_way_to_answer_it_from_the_knowledge_base(
    client: Any, setup: Any, agent: Any
) -> None:
    order = call(agent, category="consultation", title="物业费标准")
    assert order.status == OrderStatus.RECEIVED  # the topic has a rule, yet it waits
    client.force_login(agent)
    page = client.get(page_of(order)).content.decode()
    assert f"/staff/hotline/knowledge/?order={order.pk}" in page
    assert "dispatch-form" in page

    complaint = call(agent)  # routed by the catalogue at once: no knowledge link
    assert complaint.status == OrderStatus.DISPATCHED
    assert "knowledge/?order=" not in client.get(page_of(complaint)).content.decode()


def test_department_clerk_cannot_use_centre_actions(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    order = replied(lead_clerk, call(agent))
    client.force_login(lead_clerk)
    before = writes()
    assert client.post(action(order, "complete")).status_code == 403
    assert client.post(action(order, "supervise"), {"supervise-note": "快"}).status_code == 403
    assert writes() == before
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.REPLIED


def test_complete(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = call(agent)
    client.force_login(agent)
    early = client.post(action(order, "complete"))
    assert early.status_code == 409 and "不能办结" in text(early)
    assert 'href="#complete-form"' in text(early)

    replied(lead_clerk, order)
    assert "complete-form" in text(client.get(page_of(order)))
    assert client.post(action(order, "complete"), {"complete-note": "答复属实"}).status_code == 302
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.status == OrderStatus.COMPLETED and fresh.completed_at is not None


def test_supervise(client: Any, setup: Any, agent: Any, supervisor: Any) -> None:
    order = call(agent)
    client.force_login(agent)  # the agent does not supervise
    assert client.post(action(order, "supervise"), {"supervise-note": "请尽快"}).status_code == 403

    client.force_login(supervisor)
    empty = client.post(action(order, "supervise"), {"supervise-note": ""})
    assert empty.status_code == 422 and "请填写督办意见。" in text(empty)
    assert not Supervision.objects.exists()
    response = client.post(
        action(order, "supervise"), {"supervise-note": "请三日内答复", "supervise-escalate": "on"}
    )
    assert response.status_code == 302
    row = Supervision.objects.get()
    assert row.level == 2 and WorkOrder.objects.get(pk=order.pk).supervision_level == 2
    assert "请三日内答复" in text(client.get(page_of(order)))


def test_merge(client: Any, setup: Any, agent: Any) -> None:
    target = call(agent)
    near = call(agent, latitude="30.560500", longitude="114.300000", title="楼道垃圾没人管")
    call(
        agent,
        latitude="30.600000",
        longitude="114.400000",
        address="洪山区珞喻路1号",
        title="远处的工单",
    )
    client.force_login(agent)
    page = text(client.get(page_of(target)))
    assert near.number in page and "相距 56 米" in page and "远处的工单" not in page

    empty = client.post(action(target, "merge"), {})
    assert empty.status_code == 422 and "请选择要合并的工单。" in text(empty)
    unknown = client.post(action(target, "merge"), {"merge-order_ids": ["999999"]})
    assert unknown.status_code == 422
    assert WorkOrder.objects.get(pk=near.pk).status == OrderStatus.DISPATCHED

    response = client.post(action(target, "merge"), {"merge-order_ids": [str(near.pk)]})
    assert response.status_code == 302
    merged = WorkOrder.objects.get(pk=near.pk)
    assert merged.status == OrderStatus.MERGED and merged.merged_into_id == target.pk
    assert near.number in text(client.get(page_of(target)))
    assert target.number in text(client.get(page_of(merged)))


def test_callback(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = replied(lead_clerk, call(agent))
    client.force_login(agent)
    early = client.post(
        action(order, "callback"), {"callback-score": "5", "callback-resolved": "yes"}
    )
    assert early.status_code == 409 and "不能回访" in text(early)
    services.complete(actor=agent, order=order)

    missing = client.post(action(order, "callback"), {"callback-resolved": "yes"})
    assert missing.status_code == 422 and "请选择满意度。" in text(missing)
    assert 'href="#id_callback-score_0"' in text(missing)
    bad = client.post(action(order, "callback"), {"callback-score": "9", "callback-resolved": "no"})
    assert bad.status_code == 422 and not Feedback.objects.exists()

    response = client.post(
        action(order, "callback"),
        {"callback-score": "2", "callback-resolved": "no", "callback-comment": "楼道还是脏"},
    )
    assert response.status_code == 302
    row = Feedback.objects.get()
    assert (row.score, row.resolved, row.by_callback) == (2, False, True)
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.CLOSED
    page = text(client.get(page_of(order)))
    assert "不满意" in page and "callback-form" not in page


def test_unknown_action_and_get_are_refused(client: Any, setup: Any, agent: Any) -> None:
    order = call(agent)
    client.force_login(agent)
    assert client.post(action(order, "destroy")).status_code == 404
    assert client.get(action(order, "complete")).status_code == 405
    assert client.post("/staff/hotline/orders/999999/do/complete/").status_code == 404


def _page_queries(client: Any, order: WorkOrder) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_of(order)).status_code == 200
    return len(captured.captured_queries)


def test_order_page_queries_do_not_grow_with_its_history(
    client: Any, setup: Any, agent: Any, supervisor: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    order = call(agent)
    client.force_login(supervisor)
    few = _page_queries(client, order)
    signed(lead_clerk, order)
    services.reply(actor=support_clerk, order=order, content="已配合检查。")
    for note in ("请尽快办理", "再次督办"):
        services.supervise(actor=supervisor, order=order, note=note)
    services.request_extension(
        actor=lead_clerk, order=order, reason_text="需现场勘查", amount=3, unit="working_days"
    )
    replied(lead_clerk, order)
    many = _page_queries(client, order)
    assert many <= few <= 24  # 20 when measured
