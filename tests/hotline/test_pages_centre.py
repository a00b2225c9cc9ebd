"""The centre's pages with Django's test client: analytics (filters, tables, charts, map, CSV),
supervision (the list, 督办 with escalation, refusals) and callbacks (回访, refusals), with the
permission checks (a department clerk and a citizen get 403) and the analytics API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yiwang.hotline import analytics, services
from yiwang.hotline.models import Feedback, OrderStatus, Supervision, WorkOrder

pytestmark = pytest.mark.django_db

ANALYTICS = "/staff/hotline/analytics/"
SUPERVISION = "/staff/hotline/supervision/"
CALLBACKS = "/staff/hotline/callbacks/"
API = "/api/v1/hotline/analytics"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any) -> Any:
    return topics


def call(agent: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "小区物业不作为",
        "content": "小区物业长期不打扫楼道，请督促整改。",
        "region_code": "420106",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "topic_code": "0101",
        "contact_name": "李四",
        "contact_phone": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=agent, **fields)


def overdue(agent: Any, **overrides: Any) -> WorkOrder:
    """An urgent order whose deadline passed, as the deadline job marks it."""
    order = call(agent, urgency="urgent", **overrides)
    assert order.due_at is not None
    services.mark_deadlines(now=order.due_at + dt.timedelta(hours=3))
    order.refresh_from_db()
    assert order.deadline_state == "overdue"
    WorkOrder.objects.filter(pk=order.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    return order


def completed(agent: Any, lead_clerk: Any, **overrides: Any) -> WorkOrder:
    order = call(agent, **overrides)
    services.reply(actor=lead_clerk, order=order, content="已责令物业整改，楼道已清扫。")
    services.complete(actor=agent, order=order)
    order.refresh_from_db()
    return order


def as_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


# --- who may open them ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [ANALYTICS, SUPERVISION, CALLBACKS])
def test_a_department_clerk_and_a_citizen_get_403(
    client: Any, setup: Any, lead_clerk: Any, citizen: Any, url: str
) -> None:
    assert as_user(client, lead_clerk).get(url).status_code == 403
    assert as_user(client, citizen).get(url).status_code == 403


@pytest.mark.parametrize("url", [ANALYTICS, SUPERVISION, CALLBACKS])
def test_anonymous_is_sent_to_sign_in(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


# --- analytics -----------------------------------------------------------------------------


def test_analytics_shows_every_breakdown_the_charts_and_the_map(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supervisor: Any
) -> None:
    # Given three orders today, one completed and called back
    first = call(agent)
    call(agent, topic_code="0102", latitude=None, longitude=None)
    done = completed(agent, lead_clerk)
    services.record_callback(actor=agent, order=done, score=5)

    # When the supervisor opens the analytics page
    response = as_user(client, supervisor).get(ANALYTICS)

    # Then it shows the figures, each breakdown's table with its caption, the charts and map
    assert response.status_code == 200
    page = response.content.decode()
    for caption in ("每日工单量", "按大类", "按小类", "按区县", "按主办部门", "按来源渠道"):
        assert caption in page
    assert "按诉求类型" in page and "部门三率" in page and "本周热点诉求" in page
    assert page.count("<svg") >= 3 and 'role="img"' in page
    assert reverse("hotline:order", args=[first.pk]) in page
    assert first.number in page and "武汉市住房和城市更新局" in page
    assert "100.0%" in page and "(1/1)" in page  # satisfaction of the one callback
    assert "style=" not in page  # the CSP forbids inline styles
    assert response.context["report"].total == 3
    today = analytics.today()
    assert f'value="{today.isoformat()}"' in page  # the range shown in the filter


def test_analytics_narrowed_to_a_district_and_a_date_range(
    client: Any, setup: Any, agent: Any, supervisor: Any
) -> None:
    call(agent)
    call(agent, region_code="4201")
    today = analytics.today().isoformat()
    response = as_user(client, supervisor).get(
        ANALYTICS, {"date_from": today, "date_to": today, "region": "420106"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.total == 1 and report.regions == {"420106"}
    assert "武昌区（420106）" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-40"}, "请输入有效的日期"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "结束日期不能早于开始日期"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "统计范围最长 366 天"),
        ({"region": "4205"}, "区域"),
    ],
)
def test_bad_filters_answer_422_with_the_message_shown(
    client: Any, setup: Any, supervisor: Any, query: dict[str, str], message: str
) -> None:
    response = as_user(client, supervisor).get(ANALYTICS, query)
    assert response.status_code == 422
    page = response.content.decode()
    assert "出现了问题" in page and message in page
    assert "report" not in response.context


def test_the_three_rates_download_as_csv(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supervisor: Any
) -> None:
    done = completed(agent, lead_clerk)
    services.record_callback(actor=agent, order=done, score=2, resolved=False)
    response = as_user(client, supervisor).get(ANALYTICS, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff部门编码,主办部门,工单数")
    assert "4201-ZFGXJ,武汉市住房和城市更新局,1,1,1,100.0%,1,0,0.0%,0,0.0%" in text


# --- supervision ---------------------------------------------------------------------------


def test_supervisor_urges_an_overdue_order_with_escalation(
    client: Any, setup: Any, agent: Any, supervisor: Any
) -> None:
    # Given an overdue order and one on time
    late = overdue(agent)
    fine = call(agent)

    # When the supervisor opens the supervision list
    as_user(client, supervisor)
    page = client.get(SUPERVISION).content.decode()

    # Then only the overdue one is listed, with its department, due time and time overdue
    assert late.number in page and fine.number not in page
    assert "武汉市住房和城市更新局" in page and "已超期 3 小时" in page
    assert f"o{late.pk}-note" in page

    # When they urge it with escalation
    response = client.post(
        reverse("hotline:supervision-act", args=[late.pk]),
        {f"o{late.pk}-note": "已超期，请今日办结", f"o{late.pk}-escalate": "on"},
    )

    # Then they are back on the list with a message, the supervision is recorded at level 2,
    # and the list shows it
    assert response.status_code == 302 and response["Location"] == SUPERVISION
    supervision = Supervision.objects.get(order=late)
    assert (supervision.level, supervision.note) == (2, "已超期，请今日办结")
    page = client.get(SUPERVISION).content.decode()
    assert "提级报上级热线" in page and "已超期，请今日办结" in page and "已提级督办" in page


def test_a_supervision_without_a_note_is_refused_and_nothing_is_written(
    client: Any, setup: Any, agent: Any, supervisor: Any
) -> None:
    late = overdue(agent)
    response = as_user(client, supervisor).post(
        reverse("hotline:supervision-act", args=[late.pk]), {f"o{late.pk}-note": "  "}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "请填写督办意见" in page and f'href="#id_o{late.pk}-note"' in page
    assert 'aria-invalid="true"' in page or "input--error" in page
    assert not Supervision.objects.exists()


def test_an_agent_sees_the_list_but_may_not_supervise(client: Any, setup: Any, agent: Any) -> None:
    late = overdue(agent)
    as_user(client, agent)
    page = client.get(SUPERVISION).content.decode()
    assert late.number in page and f"o{late.pk}-note" not in page
    response = client.post(
        reverse("hotline:supervision-act", args=[late.pk]), {f"o{late.pk}-note": "请办理"}
    )
    assert response.status_code == 403
    assert not Supervision.objects.exists()


def test_supervising_an_order_of_another_region_or_none_is_404(
    client: Any, setup: Any, supervisor: Any
) -> None:
    response = as_user(client, supervisor).post(
        reverse("hotline:supervision-act", args=[999999]), {"o999999-note": "x"}
    )
    assert response.status_code == 404


def test_supervision_filter_by_state(client: Any, setup: Any, agent: Any, supervisor: Any) -> None:
    late = overdue(agent)
    as_user(client, supervisor)
    assert late.number in client.get(SUPERVISION, {"state": "overdue"}).content.decode()
    assert late.number not in client.get(SUPERVISION, {"state": "due_soon"}).content.decode()


# --- callbacks -----------------------------------------------------------------------------


def test_agent_records_a_callback(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    # Given two completed orders and one still in progress
    older = completed(agent, lead_clerk)
    newer = completed(agent, lead_clerk)
    running = call(agent)
    WorkOrder.objects.filter(pk=older.pk).update(completed_at=timezone.now() - dt.timedelta(days=1))

    # When the agent opens the callbacks list
    as_user(client, agent)
    page = client.get(CALLBACKS).content.decode()

    # Then the completed ones are listed, the oldest first, with the citizen's number
    assert page.index(older.number) < page.index(newer.number)
    assert running.number not in page and "13812345678" in page

    # When they record a callback
    response = client.post(
        reverse("hotline:callbacks-act", args=[older.pk]),
        {f"o{older.pk}-score": "4", f"o{older.pk}-resolved": "yes", f"o{older.pk}-comment": "满意"},
    )

    # Then the order is closed with the feedback, and it leaves the list
    assert response.status_code == 302 and response["Location"] == CALLBACKS
    feedback = Feedback.objects.get(order=older)
    assert (feedback.score, feedback.resolved, feedback.by_callback) == (4, True, True)
    older.refresh_from_db()
    assert older.status == OrderStatus.CLOSED
    page = client.get(CALLBACKS).content.decode()
    assert f'id="order-{older.pk}-title"' not in page and f"已记录工单{older.number}的回访" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resolved": "yes"}, "请选择满意度"),
        ({"score": "7", "resolved": "yes"}, "满意度应为 1 至 5 的整数"),
        ({"score": "0", "resolved": "yes"}, "满意度应为 1 至 5 的整数"),
        ({"score": "5"}, "请选择问题是否已解决"),
    ],
)
def test_a_bad_callback_is_refused_with_the_message_and_nothing_written(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, data: dict[str, str], message: str
) -> None:
    order = completed(agent, lead_clerk)
    response = as_user(client, agent).post(
        reverse("hotline:callbacks-act", args=[order.pk]),
        {f"o{order.pk}-{k}": v for k, v in data.items()},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Feedback.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_a_second_callback_is_refused(client: Any, setup: Any, agent: Any, lead_clerk: Any) -> None:
    order = completed(agent, lead_clerk)
    url = reverse("hotline:callbacks-act", args=[order.pk])
    data = {f"o{order.pk}-score": "5", f"o{order.pk}-resolved": "yes"}
    as_user(client, agent)
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, f"o{order.pk}-score": "1"})
    assert again.status_code == 409
    assert "本轮办理已评价过" in again.content.decode()
    assert Feedback.objects.get(order=order).score == 5


def test_a_callback_on_an_order_still_running_is_refused(
    client: Any, setup: Any, agent: Any
) -> None:
    order = call(agent)
    response = as_user(client, agent).post(
        reverse("hotline:callbacks-act", args=[order.pk]),
        {f"o{order.pk}-score": "5", f"o{order.pk}-resolved": "yes"},
    )
    assert response.status_code == 409 and order.number in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_clerk_may_not_record_a_callback(
    client: Any, setup: Any, agent: Any, lead_clerk: Any
) -> None:
    order = completed(agent, lead_clerk)
    response = as_user(client, lead_clerk).post(
        reverse("hotline:callbacks-act", args=[order.pk]),
        {f"o{order.pk}-score": "5", f"o{order.pk}-resolved": "yes"},
    )
    assert response.status_code == 403
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("url", [SUPERVISION, CALLBACKS, ANALYTICS])
def test_the_pages_take_the_same_queries_for_more_orders(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supervisor: Any, url: str
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def more() -> None:
        overdue(agent)
        late = overdue(agent)
        services.supervise(actor=supervisor, order=late, note="请尽快办理")
        completed(agent, lead_clerk)

    more()
    as_user(client, supervisor)
    few = queries()
    for _n in range(3):
        more()
    assert queries() == few


# --- the API ---------------------------------------------------------------------------------


def test_analytics_api_gives_the_same_figures(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supervisor: Any
) -> None:
    done = completed(agent, lead_clerk)
    services.record_callback(actor=agent, order=done, score=5)
    call(agent, topic_code="0102")
    today = analytics.today().isoformat()
    response = as_user(client, supervisor).get(API, {"from": today, "to": today})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["from"] == today and body["to"] == today and body["total"] == 2
    assert body["by_day"] == [{"day": today, "count": 2}]
    assert {t["code"]: t["count"] for t in body["by_topic"]} == {"0101": 1, "0102": 1}
    assert body["by_group"][0] == {"code": "01", "name": "住房与物业", "count": 2, "parent": ""}
    (rates,) = body["rates"]
    assert rates["department_code"] == "4201-ZFGXJ"
    assert rates["on_time"] == {"part": 1, "whole": 1, "rate": 1.0}
    assert rates["satisfaction"] == {"part": 1, "whole": 1, "rate": 1.0}
    assert body["map"]["total"] == 2 and body["map"]["left_out"] == 0
    assert {p["number"] for p in body["map"]["points"]} == {done.number} | {
        o.number for o in WorkOrder.objects.exclude(pk=done.pk)
    }


def test_analytics_api_refusals(client: Any, setup: Any, lead_clerk: Any, supervisor: Any) -> None:
    assert client.get(API).status_code == 401
    assert as_user(client, lead_clerk).get(API).status_code == 403
    as_user(client, supervisor)
    bad = client.get(API, {"from": "2026-03-10", "to": "2026-03-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "hotline_order_invalid"
    assert client.get(API, {"region": "4205"}).status_code == 422
    assert client.get(API, {"from": "yesterday"}).status_code == 422


@pytest.mark.parametrize("who", ["agent", "lead_clerk"])
def test_the_orders_list_takes_the_same_queries_for_a_longer_page(
    client: Any, setup: Any, agent: Any, who: str, request: Any
) -> None:
    for _n in range(2):
        call(agent)
    as_user(client, request.getfixturevalue(who))

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/hotline/orders", {"limit": limit})
        assert response.status_code == 200 and len(response.json()["items"]) == min(limit, 8)
        return len(captured)

    two = queries(2)
    for _n in range(6):
        call(agent)
    assert queries(8) == two
