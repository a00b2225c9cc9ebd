"""What the engine's own tests left open: routing with a trained model above and below
YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE, reopening after the window
(YIWANG_HOTLINE_REOPEN_DAYS), a grid worker's event with photos, and merged orders' citizens
answered on completion."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import AccountFactory
from tests.hotline.fixtures_demo import data_dir_with_model, trained_model  # noqa: F401
from yiwang.hotline import classifier, services
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    Assignment,
    Attachment,
    OrderEvent,
    OrderStatus,
    WorkOrder,
)
from yiwang.kernel import calendar
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import AuditEntry, SmsMessage, StoredFile

pytestmark = pytest.mark.django_db

BASE = "/api/v1/hotline"
#: A request the demo corpus's model routes to 住房和城市更新局 (0101 物业服务) confidently.
PROPERTY = "我们小区物业公司长期不打扫楼道，垃圾堆了好几天，物业费照收，请督促物业整改。"


@pytest.fixture
def setup(topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any) -> Any:
    return topics


def _code(department: Any) -> str | None:
    return None if department is None else str(department.code)


def _call(agent: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "物业不打扫楼道",
        "content": PROPERTY,
        "region_code": "420106",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "contact_phone": "13812345678",
        "caller_number": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


# --- routing with a trained model ---------------------------------------------------------------


def test_a_confident_proposal_is_dispatched_on_its_own(
    settings: Any,
    setup: Any,
    agent: Any,
    data_dir_with_model: Path,  # noqa: F811
) -> None:
    # given a trained model confident enough for the threshold
    proposal = classifier.propose(f"物业不打扫楼道\n{PROPERTY}", "420106")
    assert proposal.topic_code == "0101"
    settings.YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = proposal.department_confidence - 0.01
    # when an order comes in without a topic
    order = _call(agent, topic_code=None)
    # then it goes to the catalogue's lead for the proposed topic, marked as automatic
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED
    assert order.auto_dispatched
    assert order.topic_id == setup.property_service.pk
    assert _code(order.lead_department) == "4201-ZFGXJ"
    assert order.proposal_confidence == pytest.approx(proposal.department_confidence)
    assert set(Assignment.objects.filter(order=order).values_list("role", flat=True)) == {
        "lead",
        "support",
    }
    step = OrderEvent.objects.get(order=order, kind="dispatched")
    assert step.details["auto"] is True and step.actor is None
    assert AuditEntry.objects.filter(action="hotline.dispatched", actor_label="system").exists()


def test_below_the_threshold_the_order_waits_for_an_agent(
    client: Any,
    settings: Any,
    setup: Any,
    agent: Any,
    data_dir_with_model: Path,  # noqa: F811
) -> None:
    proposal = classifier.propose(f"物业不打扫楼道\n{PROPERTY}", "420106")
    settings.YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = min(
        1.0, proposal.department_confidence + 0.01
    )
    order = _call(agent, topic_code=None)
    order.refresh_from_db()
    # kept with the proposal, nothing dispatched
    assert order.status == OrderStatus.RECEIVED and not order.auto_dispatched
    assert order.proposed_topic_id == setup.property_service.pk
    assert _code(order.proposed_department) == "4201-ZFGXJ"
    assert not Assignment.objects.filter(order=order).exists()
    # in the agents' queue to confirm
    client.force_login(agent)
    queue = client.get(f"{BASE}/orders?queue=confirm").json()
    assert [o["number"] for o in queue["items"]] == [order.number]
    assert queue["items"][0]["proposed_topic_code"] == "0101"
    # the agent confirms the proposal
    services.dispatch(actor=agent, order=order, topic_code="0101")
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and not order.auto_dispatched


def test_a_proposed_topic_without_a_catalogue_rule_waits_too(
    settings: Any,
    setup: Any,
    agent: Any,
    data_dir_with_model: Path,  # noqa: F811
) -> None:
    # 路灯 is topic 0206, which the test catalogue does not have: nothing to dispatch to
    settings.YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.0
    order = _call(agent, topic_code=None, content="解放大道一排路灯不亮好几天了，晚上很黑。")
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED and not order.auto_dispatched
    assert order.proposed_topic is None and _code(order.proposed_department) == "4201-CGW"
    assert order.proposal_confidence is not None
    assert not Assignment.objects.filter(order=order).exists()


# --- reopening after the window -----------------------------------------------------------------


def _closed_by_citizen(agent: Any, lead_clerk: Any, citizen: Any, score: int = 1) -> WorkOrder:
    order = _call(agent, topic_code="0101", citizen=citizen)
    services.reply(actor=lead_clerk, order=order, content="已督促物业整改。")
    services.complete(actor=agent, order=order)
    services.rate(actor=citizen, order=order, score=score, comment="没有解决")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    return order


def _closed_working_days_ago(order: WorkOrder, days: int) -> None:
    """Test set-up: move the closing back until ``days`` working days lie between it and today."""
    today = timezone.localdate()
    day = today
    while calendar.working_days_between(day, today) < days:
        day -= dt.timedelta(days=1)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=moment)


def test_reopen_is_refused_after_the_window_and_nothing_changes(
    settings: Any, setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    settings.YIWANG_HOTLINE_REOPEN_DAYS = 3
    order = _closed_by_citizen(agent, lead_clerk, citizen)
    _closed_working_days_ago(order, 4)
    events = OrderEvent.objects.filter(order=order).count()
    with pytest.raises(DomainError) as refused:
        services.reopen(actor=citizen, order=order, reason_text="还是没人管")
    assert refused.value.code == ErrorCode.REOPEN_CLOSED and refused.value.status == 409
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.reopen_count == 0
    assert OrderEvent.objects.filter(order=order).count() == events
    assert AuditEntry.objects.filter(action="hotline.reopen_refused").exists()


def test_reopen_on_the_last_day_of_the_window_is_allowed(
    settings: Any, setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    settings.YIWANG_HOTLINE_REOPEN_DAYS = 3
    order = _closed_by_citizen(agent, lead_clerk, citizen)
    _closed_working_days_ago(order, 3)
    services.reopen(actor=citizen, order=order, reason_text="还是没人管")
    order.refresh_from_db()
    assert order.status == OrderStatus.REOPENED and order.reopen_count == 1
    assert _code(order.lead_department) == "4201-ZFGXJ"


def test_reopen_needs_an_unsatisfied_rating(
    setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    order = _closed_by_citizen(agent, lead_clerk, citizen, score=3)
    with pytest.raises(DomainError) as refused:
        services.reopen(actor=citizen, order=order, reason_text="再看看")
    assert refused.value.code == ErrorCode.STATUS_TRANSITION


# --- a grid worker's event with photos ----------------------------------------------------------


def _image(kind: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo-like image: noise does not compress, so its size follows its pixels."""
    noise = random.Random(0).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(out, format=kind)
    return out.getvalue()


def _upload(client: Any, name: str, data: bytes) -> Any:
    return client.post("/api/v1/kernel/files", {"file": SimpleUploadedFile(name, data)})


GRID_EVENT = {
    "channel": "grid",
    "category": "report",
    "title": "井盖缺失",
    "content": "积玉桥街道某路口井盖缺失，已设置临时围挡。",
    "region_code": "420106",
    "latitude": 30.56,
    "longitude": 114.3,
    "topic_code": "0101",
    "grid_code": "420106001-03",
}


def test_a_grid_event_keeps_its_photos(client: Any, setup: Any, agent: Any) -> None:
    client.force_login(agent)
    png = _upload(client, "现场1.png", _image("PNG"))
    jpeg = _upload(client, "现场2.jpg", _image("JPEG"))
    assert png.status_code == 201 and jpeg.status_code == 201
    response = client.post(
        f"{BASE}/orders",
        {**GRID_EVENT, "photo_ids": [png.json()["id"], jpeg.json()["id"]]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    order = WorkOrder.objects.get(number=response.json()["number"])
    assert order.channel == "grid" and order.grid_code == "420106001-03"
    stored = Attachment.objects.filter(order=order).select_related("file")
    assert sorted(a.file.content_type for a in stored) == ["image/jpeg", "image/png"]
    assert all(a.file.uploaded_by_id == agent.pk for a in stored)


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_written(
    client: Any, setup: Any, agent: Any
) -> None:
    client.force_login(agent)
    pdf = _upload(client, "现场.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    orders = WorkOrder.objects.count()
    response = client.post(
        f"{BASE}/orders",
        {**GRID_EVENT, "photo_ids": [pdf.json()["id"]]},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == ErrorCode.ORDER_INVALID and "photo_ids" in body["details"]["errors"]
    assert WorkOrder.objects.count() == orders and not Attachment.objects.exists()


def test_an_oversized_photo_is_refused_at_upload(
    client: Any, settings: Any, setup: Any, agent: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 2048
    client.force_login(agent)
    big = _image("PNG", (60, 60))
    Image.open(io.BytesIO(big)).verify()
    assert len(big) > 2048
    response = _upload(client, "大图.png", big)
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert not StoredFile.objects.exists()


def test_a_photo_uploaded_by_someone_else_is_refused(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    client.force_login(lead_clerk)
    theirs = _upload(client, "a.png", _image("PNG")).json()["id"]
    client.force_login(agent)
    response = client.post(
        f"{BASE}/orders", {**GRID_EVENT, "photo_ids": [theirs]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not WorkOrder.objects.exists()


# --- merged orders answered on completion -------------------------------------------------------


def test_each_merged_citizen_is_answered_when_the_target_completes(
    client: Any,
    setup: Any,
    agent: Any,
    lead_clerk: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first: Any = AccountFactory(username="first", mobile="13911110001")  # type: ignore[no-untyped-call]
    second: Any = AccountFactory(username="second", mobile="13911110002")  # type: ignore[no-untyped-call]
    target = _call(agent, topic_code="0101", category="complaint")
    near = [
        _call(agent, topic_code="0101", citizen=citizen, contact_phone="", latitude=lat)
        for citizen, lat in ((first, "30.560500"), (second, "30.561000"))
    ]
    assert {o.pk for o in services.similar_orders(target)} == {o.pk for o in near}
    services.merge(actor=agent, target=target, orders=near)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(actor=lead_clerk, order=target, content="已责令物业每日清扫楼道。")
    with django_capture_on_commit_callbacks(execute=True):
        services.complete(actor=agent, order=target)
    target.refresh_from_db()
    assert target.status == OrderStatus.COMPLETED
    for order, citizen in zip(near, (first, second), strict=True):
        order.refresh_from_db()
        # still merged, with the target's answer and completion, told on the timeline and by SMS
        assert order.status == OrderStatus.MERGED and order.merged_into_id == target.pk
        assert order.answer == "已责令物业每日清扫楼道。"
        assert order.completed_at == target.completed_at
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
        assert kinds[-3:] == ["merged", "answered", "completed"]
        texts = list(
            SmsMessage.objects.filter(**lookup(SmsMessage, "mobile", citizen.mobile)).values_list(
                "body", flat=True
            )
        )
        assert len(texts) == 2 and all(order.number in t for t in texts)
        # the citizen sees it among their own orders
        client.force_login(citizen)
        seen = client.get(f"{BASE}/orders/{order.pk}").json()
        assert seen["answer"] == "已责令物业每日清扫楼道。" and seen["merged_into"] == target.number
        assert [s["kind"] for s in seen["timeline"]][-2:] == ["answered", "completed"]
