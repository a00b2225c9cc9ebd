"""The hotline demo: the catalogue, staff, model, knowledge base and about 290 work orders in
every state load through the services, and a second load changes nothing. The load runs once
(with the kernel and identity demos it needs); the catalogue services, the model check, the
simulated clock and the titles are tested on their own."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories import StaffFactory
from tests.hotline.fixtures_demo import data_dir_with_model, trained_model  # noqa: F401
from yiwang.hotline import access, catalogue, classifier, demo, knowledge
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    ArticleStatus,
    ArticleVersion,
    Assignment,
    Attachment,
    DeadlineRule,
    DeadlineState,
    DispatchRule,
    Extension,
    Feedback,
    KnowledgeArticle,
    OrderEvent,
    OrderStatus,
    RequestStatus,
    SendBack,
    Supervision,
    Synonym,
    Topic,
    WorkOrder,
)
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, Department, RoleAssignment, StoredFile

#: 武汉市 and a margin: every demo order's coordinates lie inside.
WUHAN = {"lat": (29.9, 31.4), "lng": (113.6, 115.1)}


def _state() -> dict[str, int]:
    models = (
        WorkOrder,
        OrderEvent,
        Assignment,
        SendBack,
        Extension,
        Supervision,
        Feedback,
        Attachment,
        StoredFile,
        KnowledgeArticle,
        ArticleVersion,
        Synonym,
        Topic,
        DispatchRule,
        DeadlineRule,
        Department,
        RoleAssignment,
        AuditEntry,
    )
    counts = {m.__name__: m.objects.count() for m in models}
    counts["accounts"] = get_user_model().objects.count()
    return counts


@pytest.mark.django_db
def test_demo_loads_every_state_and_a_second_load_changes_nothing(
    data_dir_with_model: Path,  # noqa: F811
) -> None:
    from yiwang.identity import demo as identity_demo
    from yiwang.kernel import demo as kernel_demo

    said: list[str] = []
    kernel_demo.load(actor="demo", say=said.append)
    identity_demo.load(actor="demo", say=said.append)
    demo.load(actor="demo", say=said.append)
    text = "\n".join(said)
    assert "routing model kept" in text

    # the catalogue: 14 groups and 36 topics, a rule for each topic, 6 × 3 time limits
    assert Topic.objects.count() == 50
    assert DispatchRule.objects.filter(region_id="4201").count() == 36
    assert DeadlineRule.objects.count() == 18
    assert DeadlineRule.objects.get(category="complaint", urgency="normal").amount == 13
    assert DeadlineRule.objects.get(category="consultation", urgency="normal").amount == 3
    assert DeadlineRule.objects.get(category="help", urgency="urgent").unit == "hours"
    assert (
        Department.objects.filter(code__in=["4201-12345", "4201-ZFGXJ", "4201-XFZD"]).count() == 3
    )

    # every state, every channel, spread over 30 days and the districts
    orders = WorkOrder.objects.all()
    assert 250 <= orders.count() <= 320
    by_status = Counter(orders.values_list("status", flat=True))
    assert all(by_status[s] > 0 for s in OrderStatus.values), by_status
    assert set(orders.values_list("channel", flat=True)) == {
        "phone",
        "web",
        "mobile",
        "api",
        "open311",
        "grid",
    }
    now = timezone.now()
    ages = [(now - o.created_at).days for o in orders]
    assert min(ages) == 0 and 25 <= max(ages) <= 30
    assert len({o.region_id for o in orders}) >= 12
    for order in orders:
        assert order.region_id.startswith("4201")
        assert WUHAN["lat"][0] < float(order.latitude) < WUHAN["lat"][1]
        assert WUHAN["lng"][0] < float(order.longitude) < WUHAN["lng"][1]
        assert order.number.startswith(f"{timezone.localtime(order.created_at):%Y%m%d}")
    # waiting for an agent: some below the confidence threshold; auto-dispatched others
    received = orders.filter(status=OrderStatus.RECEIVED)
    assert all(o.proposal_confidence is not None for o in received)
    assert any(o.proposal_confidence < classifier.auto_dispatch_threshold() for o in received)
    assert orders.filter(auto_dispatched=True).count() > 100
    # pending requests, deadlines, supervision
    assert SendBack.objects.filter(status=RequestStatus.PENDING).exists()
    assert SendBack.objects.filter(status=RequestStatus.APPROVED).exists()
    assert Extension.objects.filter(status=RequestStatus.PENDING).exists()
    assert Extension.objects.filter(status=RequestStatus.APPROVED).exists()
    running = orders.filter(status__in=["dispatched", "in_progress"])
    assert running.filter(deadline_state=DeadlineState.OVERDUE).exists()
    assert running.filter(deadline_state=DeadlineState.DUE_SOON).exists()
    assert Supervision.objects.filter(level=2).exists()
    # closed with callbacks and ratings of every score; reopened by its citizen
    assert set(Feedback.objects.values_list("score", flat=True)) == {1, 2, 3, 4, 5}
    assert Feedback.objects.filter(by_callback=True).exists()
    assert Feedback.objects.filter(by_callback=False).exists()
    for order in orders.filter(status=OrderStatus.REOPENED):
        assert order.citizen is not None and order.reopen_count == 1
    # merged near-duplicates, each citizen answered once the target was
    merged = orders.filter(status=OrderStatus.MERGED)
    for order in merged:
        target = order.merged_into
        assert target is not None and target.topic_id == order.topic_id
        if target.answer:
            assert order.answer == target.answer
    # grid events carry photos, kept as images
    grid = orders.filter(channel="grid")
    photos = Attachment.objects.filter(order__in=grid).select_related("file")
    assert photos.exists()
    assert {a.file.content_type for a in photos} == {"image/png"}
    # a consultation answered from the knowledge base
    assert orders.filter(knowledge_article__isnull=False).exists()

    # the knowledge base
    published = KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED)
    assert published.count() >= 40
    assert published.values("owner").distinct().count() >= 15
    assert knowledge.due_for_review()
    assert Synonym.objects.filter(term="公积金").exists()
    result = knowledge.search_articles("住房公积金怎么提取")
    assert result.hits and "公积金" in result.hits[0].title

    # who sees what: the agent all of them, a clerk their department's, a citizen their own
    agent = get_user_model().objects.get(username="hotline-agent")
    assert access.orders_for(agent).count() == orders.count()
    clerk = get_user_model().objects.get(username="hotline-4201-zfgxj")
    seen = access.orders_for(clerk)
    assert 0 < seen.count() < orders.count()
    zhang = get_user_model().objects.get(username="zhangwei")
    own = access.orders_for(zhang)
    assert own.count() >= 5 and all(o.citizen_id == zhang.pk for o in own)

    # the model file is there and routes a sample request to its department
    assert classifier.model_path().exists()
    proposal = classifier.propose("我们小区的电梯又坏了，把老人困在里面半个多小时")
    assert proposal.department_code == "4201-SCJG"

    # a second load writes nothing, and says so
    before = _state()
    again: list[str] = []
    demo.load(actor="demo", say=again.append)
    assert _state() == before
    second = "\n".join(again)
    assert "work orders kept" in second and "0 created" in second


def test_ensure_model_trains_only_for_another_corpus(
    settings: Any,
    tmp_path: Path,
    trained_model: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a data directory without a model
    settings.DATA_DIR = tmp_path
    classifier.forget()
    trained: list[int] = []

    def fake_train(rows: Any) -> Any:
        trained.append(len(rows))
        target = classifier.model_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(trained_model.read_bytes())
        return classifier.TrainResult(target, 1, 0, 36, 18, 0.1, 1)

    monkeypatch.setattr(classifier, "train", fake_train)
    # when the demo ensures the model, it trains
    assert "trained on" in demo.ensure_model()
    assert trained == [4000]
    # and a model of the same corpus is kept
    assert "kept" in demo.ensure_model()
    assert trained == [4000]
    # but one whose header names another corpus is trained again
    path = classifier.model_path()
    data = path.read_bytes()
    header_line, _, payload = data[len(classifier.MAGIC) :].partition(b"\n")
    header = json.loads(header_line) | {"corpus_sha256": "0" * 64}
    path.write_bytes(classifier.MAGIC + json.dumps(header).encode() + b"\n" + payload)
    assert "trained on" in demo.ensure_model()
    assert trained == [4000, 4000]
    classifier.forget()


def test_the_orders_are_seeded(settings: Any, trained_model: Path) -> None:  # noqa: F811
    # given the same moment and model, two builds of the plans choose the same orders
    settings.DATA_DIR = trained_model.parent.parent
    classifier.forget()
    staff = demo.Staff(agent=None, supervisor=None, grid=None, clerks={}, citizens={})
    now = timezone.now()

    def chosen() -> list[tuple[str, str, str, str, dt.datetime]]:
        plans = demo.Orders("demo", staff, now).plans()
        return [(p.state, p.candidate.row.id, p.channel, p.urgency, p.created) for p in plans]

    first = chosen()
    assert first == chosen()
    assert len(first) >= 250 and {p[0] for p in first} >= {"received", "closed", "send_back"}
    classifier.forget()


def test_the_model_header_names_its_corpus(trained_model: Path) -> None:  # noqa: F811
    from yiwang.hotline import corpus

    header = classifier.model_header(trained_model)
    assert header is not None
    assert header["corpus_sha256"] == classifier.corpus_digest(corpus.load())
    assert classifier.model_header(trained_model.parent / "missing.model") is None


# --- the catalogue services ---------------------------------------------------------------------


@pytest.mark.django_db
def test_catalogue_services_create_keep_update_and_refuse(regions: Any) -> None:
    lead = Department.objects.create(code="4201-ZFGXJ", name="住房局", region=regions.wuhan)
    other = Department.objects.create(code="4201-CGW", name="城管委", region=regions.wuhan)
    # created, then kept without a write, then updated
    group, made = catalogue.save_topic(actor="cli", code="01", name="住房与物业")
    assert made == "created"
    topic, made = catalogue.save_topic(
        actor="cli", code="0101", name="物业服务", parent_code="01", keywords=["物业", "物业"]
    )
    assert made == "created" and topic.parent == group and topic.keywords == ["物业"]
    writes = AuditEntry.objects.count()
    assert (
        catalogue.save_topic(
            actor="cli", code="0101", name="物业服务", parent_code="01", keywords=["物业"]
        )[1]
        == "kept"
    )
    assert AuditEntry.objects.count() == writes
    assert catalogue.save_topic(actor="cli", code="0101", name="物业管理", parent_code="01")[1] == (
        "updated"
    )
    rule, made = catalogue.save_dispatch_rule(
        actor="cli",
        topic_code="0101",
        region_code="4201",
        lead_code=lead.code,
        supporting_codes=[other.code, lead.code],
    )
    assert made == "created" and [d.code for d in rule.supporting.all()] == ["4201-CGW"]
    assert (
        catalogue.save_dispatch_rule(
            actor="cli",
            topic_code="0101",
            region_code="4201",
            lead_code=lead.code,
            supporting_codes=["4201-CGW"],
        )[1]
        == "kept"
    )
    limit, made = catalogue.save_deadline_rule(
        actor="cli", category="complaint", urgency="normal", amount=13, unit="working_days"
    )
    assert made == "created" and limit.sign_hours == 2

    # refused, and nothing written
    writes = (
        AuditEntry.objects.filter(action__startswith="hotline.")
        .exclude(action__endswith="_refused")
        .count()
    )
    refusals: list[tuple[ErrorCode, Callable[[], Any]]] = [
        (
            ErrorCode.UNKNOWN_TOPIC,
            lambda: catalogue.save_topic(actor="cli", code="0102", name="维修", parent_code="99"),
        ),
        (
            ErrorCode.UNKNOWN_TOPIC,
            lambda: catalogue.save_dispatch_rule(
                actor="cli", topic_code="01", region_code="4201", lead_code=lead.code
            ),
        ),
        (
            ErrorCode.ORDER_INVALID,
            lambda: catalogue.save_dispatch_rule(
                actor="cli", topic_code="0101", region_code="4201", lead_code="4201-NONE"
            ),
        ),
        (
            ErrorCode.UNKNOWN_REGION,
            lambda: catalogue.save_dispatch_rule(
                actor="cli", topic_code="0101", region_code="9999", lead_code=lead.code
            ),
        ),
        (
            ErrorCode.ORDER_INVALID,
            lambda: catalogue.save_deadline_rule(
                actor="cli", category="complaint", urgency="normal", amount=0, unit="hours"
            ),
        ),
        (
            ErrorCode.ORDER_INVALID,
            lambda: catalogue.save_deadline_rule(
                actor="cli", category="complaint", urgency="normal", amount=3, unit="weeks"
            ),
        ),
    ]
    for code, call in refusals:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == code and refused.value.status == 422
    assert Topic.objects.filter(code="0102").count() == 0
    assert DispatchRule.objects.count() == 1
    assert DeadlineRule.objects.get().amount == 13
    assert (
        AuditEntry.objects.filter(action__startswith="hotline.")
        .exclude(action__endswith="_refused")
        .count()
        == writes
    )


@pytest.mark.django_db
def test_catalogue_services_who_may(regions: Any) -> None:
    centre = Department.objects.create(code="4201-12345", name="热线中心", region=regions.wuhan)
    lead = Department.objects.create(code="4201-ZFGXJ", name="住房局", region=regions.wuhan)
    catalogue.save_topic(actor="cli", code="01", name="住房与物业")
    catalogue.save_topic(actor="cli", code="0101", name="物业服务", parent_code="01")
    clerk = StaffFactory(username="c", role="window_clerk", department=lead)
    supervisor = StaffFactory(username="s", role="department_admin", department=centre)
    admin = StaffFactory(username="a", role="platform_admin", region=regions.hubei)
    with pytest.raises(DomainError) as refused:
        catalogue.save_topic(actor=clerk, code="02", name="城市管理")
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        catalogue.save_deadline_rule(
            actor=supervisor, category="help", urgency="normal", amount=10, unit="working_days"
        )
    # the centre's supervisor keeps its own region's dispatch rules, not another region's
    catalogue.save_dispatch_rule(
        actor=supervisor, topic_code="0101", region_code="420106", lead_code=lead.code
    )
    with pytest.raises(DomainError):
        catalogue.save_dispatch_rule(
            actor=supervisor, topic_code="0101", region_code="4205", lead_code=lead.code
        )
    assert catalogue.save_topic(actor=admin, code="02", name="城市管理")[1] == "created"
    assert Topic.objects.count() == 3 and DispatchRule.objects.count() == 1


# --- the simulated clock and titles ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_clock_moves_the_services_time_but_not_the_audit_trail() -> None:
    past = timezone.now() - dt.timedelta(days=10)
    clock = demo.Clock(past)
    with clock.running():
        assert timezone.now() == past
        assert timezone.localdate() == timezone.localtime(past).date()
        entry = audit.record("hotline.test", actor="cli")
    assert abs((entry.created_at - timezone.now()).total_seconds()) < 60
    assert timezone.now() - past > dt.timedelta(days=9)


def test_titles_leave_out_greetings_and_places() -> None:
    text = "喂，你好，地址在江岸区解放大道附近，就是说，今天早上高层水压太小，洗衣机用不了。"
    assert demo._title(text) == "今天早上高层水压太小"
    assert demo._title("路灯坏了") == "路灯坏了"
    assert len(demo._title("物" * 60)) == 29
