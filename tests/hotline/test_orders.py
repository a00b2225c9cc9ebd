"""The work-order engine through its services: intake, dispatch, department actions,
deadlines, supervision, merging, callback, rating and reopening, and the bad paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.hotline import access, services
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    Assignment,
    DeadlineState,
    DispatchRule,
    OrderEvent,
    OrderStatus,
    SendBack,
    WorkOrder,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


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


def _call(agent: Any, **overrides: Any) -> WorkOrder:
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
        "recording_ref": "REC-1",
        "agent_notes": "来电情绪激动",
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


def _refused(code: ErrorCode, call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


def test_phone_call_becomes_a_dispatched_order(setup: Any, agent: Any) -> None:
    order = _call(agent)
    assert len(order.number) == 14 and order.number.startswith(f"{timezone.localdate():%Y%m%d}")
    assert order.status == OrderStatus.DISPATCHED
    assert order.lead_department.code == "4201-ZFGXJ"
    roles = {(a.department.code, a.role) for a in order.assignments.all()}
    assert roles == {("4201-ZFGXJ", "lead"), ("4201-CGW", "support")}
    assert order.due_at > timezone.now() + dt.timedelta(days=13)
    assert [e.kind for e in order.events.all()] == ["received", "dispatched"]
    assert AuditEntry.objects.filter(action="hotline.received", target_id=str(order.pk)).exists()
    second = _call(agent)
    assert int(second.number[-6:]) == int(order.number[-6:]) + 1


def test_the_most_specific_region_rule_wins(setup: Any, agent: Any, regions: Any) -> None:
    district = DepartmentFactory(code="420106-ZFGXJ", name="武昌区住房局", region=regions.wuchang)
    DispatchRule.objects.create(topic=setup.property_service, region=regions.wuchang, lead=district)
    assert _call(agent).lead_department == district
    assert _call(agent, region_code="4201").lead_department.code == "4201-ZFGXJ"


def test_without_a_topic_or_model_the_order_waits_for_an_agent(setup: Any, agent: Any) -> None:
    order = _call(agent, topic_code=None)
    assert order.status == OrderStatus.RECEIVED and order.lead_department is None
    _refused(ErrorCode.NO_RULE, lambda: services.dispatch(actor=agent, order=order))
    order = services.dispatch(actor=agent, order=order, topic_code="0102")
    assert order.status == OrderStatus.DISPATCHED and order.topic.code == "0102"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"content": "   "}, ErrorCode.TEXT_EMPTY),
        ({"content": "字" * 5001}, ErrorCode.TEXT_TOO_LONG),
        ({"topic_code": "9999"}, ErrorCode.UNKNOWN_TOPIC),
        ({"topic_code": "0199"}, ErrorCode.UNKNOWN_TOPIC),
        ({"region_code": "429999"}, ErrorCode.UNKNOWN_REGION),
        ({"latitude": "95", "longitude": "114.3"}, ErrorCode.COORDINATES_INVALID),
        ({"latitude": "30.5", "longitude": None}, ErrorCode.COORDINATES_INVALID),
        ({"latitude": "abc", "longitude": "114"}, ErrorCode.COORDINATES_INVALID),
        ({"contact_phone": "12345"}, ErrorCode.ORDER_INVALID),
    ],
)
def test_bad_intake_is_refused_and_nothing_is_written(
    setup: Any, agent: Any, overrides: dict[str, Any], code: ErrorCode
) -> None:
    error = _refused(code, lambda: _call(agent, **overrides))
    assert error.status == 422
    assert not WorkOrder.objects.exists()
    assert AuditEntry.objects.filter(action="hotline.create_order_refused").exists()


def test_a_citizen_files_online_and_sees_only_their_own(
    setup: Any, citizen: Any, outsider: Any
) -> None:
    order = services.create_order(
        actor=citizen,
        channel="web",
        category="consultation",
        content="物业费怎么收？",
        region_code="420106",
        topic_code="0101",
    )
    assert order.citizen == citizen
    assert access.get_order_for(citizen, order.pk) == order
    with pytest.raises(DomainError) as caught:
        access.get_order_for(outsider, order.pk)
    assert caught.value.status == 404
    with pytest.raises(DomainError) as refused:  # citizens cannot file phone calls
        services.create_order(
            actor=citizen, channel="phone", category="help", content="x", region_code="420106"
        )
    assert refused.value.status == 403


def test_department_actions_and_the_closed_loop(
    setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any, citizen: Any, supervisor: Any
) -> None:
    order = _call(agent, citizen=citizen)
    services.sign_for(actor=lead_clerk, order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS
    _refused(
        ErrorCode.REPLY_EMPTY, lambda: services.reply(actor=lead_clerk, order=order, content="  ")
    )
    services.supervise(actor=supervisor, order=order, note="请尽快处理")
    order.refresh_from_db()
    assert order.supervision_level == 1
    services.reply(actor=support_clerk, order=order, content="已配合检查。")
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS
    services.reply(actor=lead_clerk, order=order, content="已责令物业整改，楼道已清扫。")
    order.refresh_from_db()
    assert order.status == OrderStatus.REPLIED and "整改" in order.answer
    services.complete(actor=agent, order=order)
    _refused(ErrorCode.RATING_INVALID, lambda: services.rate(actor=citizen, order=order, score=6))
    services.rate(actor=citizen, order=order, score=1, comment="没解决")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    _refused(ErrorCode.ALREADY_RATED, lambda: services.rate(actor=citizen, order=order, score=2))
    services.reopen(actor=citizen, order=order, reason_text="楼道又脏了")
    order.refresh_from_db()
    assert order.status == OrderStatus.REOPENED and order.reopen_count == 1
    assert order.assignments.filter(status="pending", department__code="4201-ZFGXJ").exists()
    kinds = [e.kind for e in order.events.all()]
    assert kinds[-3:] == ["rated", "reopened", "redispatched"]


def test_a_department_acting_on_an_order_it_does_not_hold(
    setup: Any, agent: Any, outsider: Any, regions: Any
) -> None:
    order = _call(agent)
    with pytest.raises(DomainError) as caught:
        services.sign_for(actor=outsider, order=order)
    assert caught.value.status == 404
    education = DepartmentFactory(code="4201-JYJ", name="武汉市教育局", region=regions.wuhan)
    clerk = StaffFactory(username="edu", role="window_clerk", department=education)
    _refused(ErrorCode.NOT_FOUND, lambda: services.reply(actor=clerk, order=order, content="x"))
    assert not Assignment.objects.filter(order=order, status="replied").exists()


def test_send_back_reviewed_and_redispatched(
    setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    order = _call(agent)
    _refused(
        ErrorCode.REASON_REQUIRED,
        lambda: services.send_back(actor=lead_clerk, order=order, reason_text=""),
    )
    request = services.send_back(
        actor=lead_clerk, order=order, reason_text="不属于本部门职责", suggested_code="4201-CGW"
    )
    services.review_send_back(actor=agent, send_back=request, approve=True)
    order.refresh_from_db()
    assert order.lead_department.code == "4201-CGW"
    assert SendBack.objects.get().status == "approved"
    _refused(ErrorCode.NOT_HOLDER, lambda: services.sign_for(actor=lead_clerk, order=order))


def test_extension_moves_the_due_date(setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = _call(agent, urgency="urgent")
    before = order.due_at
    extension = services.request_extension(
        actor=lead_clerk, order=order, reason_text="需现场核实", amount=4, unit="hours"
    )
    services.decide_extension(actor=agent, extension=extension, approve=True)
    order.refresh_from_db()
    assert order.due_at == before + dt.timedelta(hours=4)


def test_mark_deadlines_is_idempotent(setup: Any, agent: Any) -> None:
    order = _call(agent, urgency="urgent")
    later = order.due_at + dt.timedelta(minutes=1)
    assert services.mark_deadlines(now=order.due_at - dt.timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.deadline_state == DeadlineState.DUE_SOON
    assert services.mark_deadlines(now=later) == 1
    assert services.mark_deadlines(now=later) == 0
    order.refresh_from_db()
    assert order.deadline_state == DeadlineState.OVERDUE
    assert OutboxEvent.objects.filter(topic="hotline.deadline_changed").count() == 2


def test_similar_orders_merge_and_each_citizen_is_answered(
    setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    target = _call(agent)
    near = _call(agent, latitude="30.561000", longitude="114.300000", citizen=citizen, address="")
    _call(agent, latitude="30.600000", longitude="114.300000", address="别处")
    assert services.similar_orders(target) == [near]
    services.merge(actor=agent, target=target, orders=[near])
    near.refresh_from_db()
    assert near.status == OrderStatus.MERGED and near.merged_into == target
    services.reply(actor=lead_clerk, order=target, content="已统一处理。")
    near.refresh_from_db()
    assert near.answer == "已统一处理。"
    assert OrderEvent.objects.filter(order=near, kind="answered").exists()


def test_contact_is_masked_for_departments_unless_the_lead_needs_it(
    setup: Any, agent: Any, lead_clerk: Any, support_clerk: Any
) -> None:
    order = _call(agent)
    assert access.contact_for(agent, order)["contact_phone"] == "13812345678"
    assert access.contact_for(lead_clerk, order)["contact_phone"] == "13812345678"
    assert access.contact_for(support_clerk, order)["contact_phone"] == "138****5678"
    secret = _call(agent, confidential=True)
    assert access.contact_for(lead_clerk, secret)["contact_phone"] == "138****5678"


def test_callback_closes_the_order(setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = _call(agent, category="consultation")
    assert order.status == OrderStatus.RECEIVED  # the caller is on the line: the agent decides
    order = services.dispatch(actor=agent, order=order, topic_code="0101")
    services.reply(actor=lead_clerk, order=order, content="物业费按合同收取。")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED  # a consultation completes on the reply
    services.record_callback(actor=agent, order=order, score=5, resolved=True, comment="满意")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
