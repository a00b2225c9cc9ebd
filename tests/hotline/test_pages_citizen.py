"""The citizens' hotline pages through Django's test client: the landing page, submitting a
request (and every refusal, with nothing written), my requests, tracking one order through
the closed loop, rating and reopening, and the public knowledge base.

Every refusal shows on the page with its status, and the test checks nothing changed."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.factories import AccountFactory, StaffFactory
from yiwang.hotline import knowledge, services
from yiwang.hotline.models import (
    Attachment,
    Feedback,
    OrderStatus,
    WorkOrder,
)
from yiwang.kernel.models import StoredFile

pytestmark = pytest.mark.django_db

NEW = "/hotline/new/"
MINE = "/hotline/mine/"
KNOWLEDGE = "/hotline/knowledge/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: orders without a topic wait for an agent."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any) -> Any:
    return topics


@pytest.fixture
def resident(db: None) -> Any:
    """A citizen with a mobile number on the account."""
    return AccountFactory(username="resident", mobile="13800001111", is_staff=False)


@pytest.fixture
def neighbour(db: None) -> Any:
    return AccountFactory(username="neighbour", is_staff=False)


@pytest.fixture
def editor(lead_department: Any) -> Any:
    return StaffFactory(username="editor", role="department_admin", department=lead_department)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return str(html.unescape(response.content.decode()))


def summary_links(page: str) -> list[tuple[str, str]]:
    match = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    if match is None:
        return []
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', match.group(0), re.S)


def request_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "complaint",
        "title": "楼道垃圾无人清理",
        "content": "我们小区物业公司长期不打扫楼道，垃圾堆积，请督促整改。",
        "region": "420106",
        "address": "积玉桥街道某小区3栋",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "contact_phone": "13800001111",
    }
    data.update(overrides)
    return data


def filed(citizen: Any, **overrides: Any) -> WorkOrder:
    """An order the citizen filed on the web, dispatched at once by the catalogue."""
    fields: dict[str, Any] = {
        "channel": "web",
        "category": "complaint",
        "title": "楼道垃圾无人清理",
        "content": "物业长期不打扫楼道。",
        "region_code": "420106",
        "topic_code": "0101",
        "contact_phone": "13800001111",
    }
    fields.update(overrides)
    return services.create_order(actor=citizen, **fields)


def completed(citizen: Any, agent: Any, lead_clerk: Any) -> WorkOrder:
    """A phone call naming the citizen, answered by the lead department and completed."""
    order = services.create_order(
        actor=agent,
        channel="phone",
        category="complaint",
        title="楼道垃圾无人清理",
        content="物业长期不打扫楼道。",
        region_code="420106",
        topic_code="0101",
        caller_number="13800001111",
        agent_notes="来电情绪激动，内部备注",
        citizen=citizen,
    )
    services.sign_for(actor=lead_clerk, order=order)
    services.reply(actor=lead_clerk, order=order, content="已责令物业整改，楼道已清扫。")
    services.complete(actor=agent, order=order, note="坐席内部办结备注")
    order.refresh_from_db()
    return order


def rated(citizen: Any, order: WorkOrder, score: int = 1) -> WorkOrder:
    services.rate(actor=citizen, order=order, score=score, comment="没解决")
    order.refresh_from_db()
    return order


# --- landing --------------------------------------------------------------------------------


def test_landing_page_is_public(client: Client) -> None:
    response = client.get("/hotline/")

    assert response.status_code == 200
    page = text_of(response)
    assert 'href="tel:12345"' in page
    for link in (NEW, MINE, KNOWLEDGE):
        assert f'href="{link}"' in page
    assert 'action="/hotline/knowledge/"' in page and 'name="q"' in page
    assert 'href="/hotline/"' in text_of(client.get("/"))  # the portal's 12345 card


# --- submitting -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_public_sign_in(client: Client, setup: Any) -> None:
    for url in (NEW, MINE, f"{MINE}1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/?next=")


def test_the_form_offers_the_districts_and_the_accounts_phone(setup: Any, resident: Any) -> None:
    response = signed_in(resident).get(NEW)

    assert response.status_code == 200
    page = text_of(response)
    assert '<optgroup label="武汉市">' in page and '<option value="420106">武昌区</option>' in page
    assert '<optgroup label="宜昌市">' in page
    assert 'value="13800001111"' in page
    assert 'enctype="multipart/form-data"' in page
    for label in ("咨询", "投诉", "举报", "建议", "求助", "表扬"):
        assert f">{label}</label>" in page
    assert "自身权益受到损害" in page  # each category's one-line explanation


def test_submit_a_complaint_with_a_photo(setup: Any, resident: Any) -> None:
    client = signed_in(resident)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")

    response = client.post(NEW, request_data(photos=[photo], confidential="on"))

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{MINE}{order.pk}/received/"
    assert order.channel == "web" and order.citizen == resident
    assert order.category == "complaint" and order.region_id == "420106"
    assert str(order.latitude) == "30.560000" and order.confidential
    assert order.contact_phone == "13800001111"
    assert Attachment.objects.filter(order=order).count() == 1
    assert StoredFile.objects.get().uploaded_by == resident

    received = text_of(client.get(response["Location"]))
    assert order.number in received
    assert "13 个工作日内" in received  # no topic, no model: waits for an agent, limit shown
    assert f'href="{MINE}{order.pk}/"' in received


@pytest.mark.parametrize(
    ("headers", "channel"),
    [
        (
            {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/126 Mobile Safari/537"},
            "mobile",
        ),
        ({"HTTP_SEC_CH_UA_MOBILE": "?1"}, "mobile"),
        ({"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126 Safari/537"}, "web"),
    ],
)
def test_a_request_from_a_phone_comes_through_the_mobile_channel(
    setup: Any, resident: Any, headers: dict[str, str], channel: str
) -> None:
    response = signed_in(resident).post(NEW, request_data(), **headers)

    assert response.status_code == 302
    assert WorkOrder.objects.get().channel == channel


def test_an_empty_request_is_refused_on_the_form(setup: Any, resident: Any) -> None:
    response = signed_in(resident).post(NEW, request_data(content="  ", category=""))

    assert response.status_code == 422
    page = text_of(response)
    assert "<title>错误：" in page
    links = summary_links(page)
    assert ("#id_category_0", "诉求类型：请选择诉求类型。") in links
    assert ("#id_content", "诉求内容：请填写诉求内容。") in links
    assert 'aria-invalid="true"' in page
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_phone": "12345"}, "contact_phone", "电话号码格式不正确"),
        ({"longitude": ""}, "longitude", "经度和纬度须同时填写"),
        ({"latitude": "91"}, "latitude", "应在 -90 至 90 之间"),
        ({"latitude": "北纬30"}, "latitude", "请输入数字"),
        ({"region": "999999"}, "region", "请从列表中选择区县"),
        ({"category": "gossip"}, "category_0", "请从列出的诉求类型中选择"),
        ({"content": "长" * 5001}, "content", "最多 5000 字"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    setup: Any, resident: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = signed_in(resident).post(NEW, request_data(**overrides))

    assert response.status_code == 422
    links = summary_links(text_of(response))
    assert any(href == f"#id_{field}" and message in text for href, text in links), links
    assert not WorkOrder.objects.exists()


def test_photos_beyond_the_limit_or_not_images_are_refused(setup: Any, resident: Any) -> None:
    client = signed_in(resident)
    many = [SimpleUploadedFile(f"{n}.png", PNG, content_type="image/png") for n in range(7)]
    too_many = client.post(NEW, request_data(photos=many))
    not_image = client.post(
        NEW,
        request_data(photos=[SimpleUploadedFile("a.png", PDF, content_type="image/png")]),
    )

    assert too_many.status_code == 422
    assert "最多上传 6 张照片" in text_of(too_many)
    assert not_image.status_code == 422
    links = summary_links(text_of(not_image))
    assert links and links[0][0] == "#id_photos" and "a.png" in links[0][1]
    assert not WorkOrder.objects.exists()
    assert not StoredFile.objects.exists()


def test_a_consultation_is_offered_matching_knowledge(
    setup: Any, editor: Any, lead_department: Any, client: Client
) -> None:
    article = knowledge.create_article(
        actor=editor,
        owner=lead_department,
        title="物业费收费标准是怎样规定的",
        body="普通住宅前期物业服务收费实行政府指导价。",
        topic_code="0101",
    )
    knowledge.publish_article(actor=editor, article=article)
    url = "/hotline/new/suggestions/"

    consultation = client.get(url, {"category": "consultation", "content": "物业费怎么收"})
    complaint = client.get(url, {"category": "complaint", "content": "物业费怎么收"})

    assert "可能对您有帮助" in text_of(consultation)
    assert f'href="/hotline/knowledge/{article.pk}/"' in text_of(consultation)
    assert "可能对您有帮助" not in text_of(complaint)
    # without JavaScript: offered when the form comes back, and after submitting
    client.force_login(AccountFactory(username="asker", is_staff=False))
    data = request_data(category="consultation", content="请问物业费是怎么收的？")
    refused = client.post(NEW, {**data, "contact_phone": "1"})
    assert refused.status_code == 422 and "物业费收费标准是怎样规定的" in text_of(refused)
    received = client.get(client.post(NEW, data)["Location"])
    assert "物业费收费标准是怎样规定的" in text_of(received)


# --- my requests ----------------------------------------------------------------------------


def test_my_requests_lists_only_my_own_paged(setup: Any, resident: Any, neighbour: Any) -> None:
    mine = [filed(resident, title=f"我的诉求{n:02d}") for n in range(12)]
    theirs = filed(neighbour, title="邻居的诉求")
    client = signed_in(resident)

    first = text_of(client.get(MINE))
    second = text_of(client.get(MINE, {"page": 2}))

    assert "共 12 件" in first and "第 1 页，共 2 页" in first
    assert "我的诉求11" in first and "我的诉求01" in second
    assert "已转交办理部门" in first  # the status in plain words
    assert theirs.title not in first + second
    assert mine[0].number in second


def test_another_citizens_order_is_404(setup: Any, resident: Any, neighbour: Any) -> None:
    order = filed(neighbour)
    client = signed_in(resident)

    assert client.get(f"{MINE}{order.pk}/").status_code == 404
    assert client.get(f"{MINE}{order.pk}/received/").status_code == 404
    response = client.post(f"{MINE}{order.pk}/rate/", {"score": "5", "resolved": "yes"})
    assert response.status_code == 404
    assert client.get(f"{MINE}999999/").status_code == 404


def test_staff_who_see_an_order_still_get_404_on_the_citizens_page(
    setup: Any, resident: Any, agent: Any
) -> None:
    order = filed(resident)

    assert signed_in(agent).get(f"{MINE}{order.pk}/").status_code == 404


def test_tracking_shows_the_loop_and_the_answer_without_internal_notes(
    setup: Any, resident: Any, agent: Any, lead_clerk: Any
) -> None:
    order = completed(resident, agent, lead_clerk)

    response = signed_in(resident).get(f"{MINE}{order.pk}/")

    assert response.status_code == 200
    page = text_of(response)
    steps = re.findall(r'hl-progress__step--(\w+)"', page)
    assert steps == ["done", "done", "done", "done", "done", "current"]
    assert "已办结，请您评价" in page
    assert "已责令物业整改，楼道已清扫。" in page
    assert "武汉市住房和城市更新局" in page
    for secret in ("来电情绪激动", "坐席内部办结备注", "lead_clerk", "agent"):
        assert secret not in page
    assert "请您评价" in page and 'action="/hotline/mine/' in page
    assert "非常满意" in page and "非常不满意" in page


def test_rate_then_refused_twice_then_reopen(
    setup: Any, resident: Any, agent: Any, lead_clerk: Any
) -> None:
    order = completed(resident, agent, lead_clerk)
    client = signed_in(resident)
    rate_url, reopen_url = f"{MINE}{order.pk}/rate/", f"{MINE}{order.pk}/reopen/"

    out_of_scale = client.post(rate_url, {"score": "9", "resolved": "no"})
    assert out_of_scale.status_code == 422
    assert "满意程度只能是列出的五个等级之一" in text_of(out_of_scale)
    assert not Feedback.objects.exists()

    done = client.post(rate_url, {"score": "1", "resolved": "no", "comment": "楼道还是脏"})
    assert done.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.score, feedback.resolved, feedback.comment) == (1, False, "楼道还是脏")
    page = text_of(client.get(f"{MINE}{order.pk}/"))
    assert "感谢您的评价" in page and "申请重办" in page and "非常不满意" in page

    twice = client.post(rate_url, {"score": "5", "resolved": "yes"})
    assert twice.status_code == 409
    assert "本轮办理已评价过" in text_of(twice)
    assert Feedback.objects.count() == 1

    empty = client.post(reopen_url, {"reason": " "})
    assert empty.status_code == 422
    assert ("#id_reason", "申请重办的理由：请填写申请重办的理由。") in summary_links(text_of(empty))

    reopened = client.post(reopen_url, {"reason": "楼道又脏了"})
    assert reopened.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REOPENED and order.reopen_count == 1
    page = text_of(client.get(f"{MINE}{order.pk}/"))
    assert "已申请重办" in page and "第 1 轮办理" in page
    steps = re.findall(r'hl-progress__step--(\w+)"', page)
    assert steps[:3] == ["done", "done", "current"]  # redispatched to the same lead


def test_reopening_after_the_window_is_refused(
    setup: Any, resident: Any, agent: Any, lead_clerk: Any, settings: Any
) -> None:
    settings.YIWANG_HOTLINE_REOPEN_DAYS = 2
    order = rated(resident, completed(resident, agent, lead_clerk))
    # The order was closed a month ago (arranged in the database: no service moves time).
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=timezone.now() - dt.timedelta(days=30))
    client = signed_in(resident)

    page = text_of(client.get(f"{MINE}{order.pk}/"))
    assert "申请重办的期限" in page and "已过" in page
    assert f'action="{MINE}{order.pk}/reopen/"' not in page

    response = client.post(f"{MINE}{order.pk}/reopen/", {"reason": "还是没解决"})
    assert response.status_code == 409
    assert "已超过申请重办的期限（办结后 2 个工作日内）" in text_of(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.reopen_count == 0


def test_a_satisfied_citizen_is_not_offered_reopening(
    setup: Any, resident: Any, agent: Any, lead_clerk: Any
) -> None:
    order = rated(resident, completed(resident, agent, lead_clerk), score=4)
    client = signed_in(resident)

    page = text_of(client.get(f"{MINE}{order.pk}/"))
    refused = client.post(f"{MINE}{order.pk}/reopen/", {"reason": "想再问问"})

    assert "申请重办" not in page and "满意" in page
    assert refused.status_code == 409
    assert "只有评价为不满意的工单可以申请重办" in text_of(refused)


# --- the public knowledge base --------------------------------------------------------------


def test_anyone_searches_published_knowledge_paged(
    setup: Any, editor: Any, lead_department: Any, client: Client
) -> None:
    for n in range(12):
        article = knowledge.create_article(
            actor=editor,
            owner=lead_department,
            title=f"维修资金问答{n:02d}",
            body="维修资金的使用需经业主表决。",
        )
        knowledge.publish_article(actor=editor, article=article)
    draft = knowledge.create_article(
        actor=editor, owner=lead_department, title="维修资金草稿", body="草稿正文。"
    )

    first = client.get(KNOWLEDGE, {"q": "维修资金"})
    second = client.get(KNOWLEDGE, {"q": "维修资金", "page": "2"})

    assert first.status_code == second.status_code == 200
    page_one, page_two = text_of(first), text_of(second)
    assert "找到 12 条" in page_one and "第 1 页，共 2 页" in page_one
    assert page_one.count('class="hl-list__item"') == 10
    assert page_two.count('class="hl-list__item"') == 2
    assert draft.title not in page_one + page_two
    assert client.get(KNOWLEDGE, {"q": "维修资金", "page": "x"}).status_code == 200


def test_a_search_with_no_match_says_so(setup: Any, client: Client) -> None:
    page = text_of(client.get(KNOWLEDGE, {"q": "火星移民"}))

    assert "没有找到与“火星移民”相关的解答" in page


def test_only_published_articles_are_public(
    setup: Any, editor: Any, lead_department: Any, client: Client
) -> None:
    published = knowledge.publish_article(
        actor=editor,
        article=knowledge.create_article(
            actor=editor, owner=lead_department, title="公开的解答", body="第一段。\n\n第二段。"
        ),
    )
    draft = knowledge.create_article(
        actor=editor, owner=lead_department, title="草稿", body="草稿正文。"
    )
    archived = knowledge.archive_article(
        actor=editor,
        article=knowledge.publish_article(
            actor=editor,
            article=knowledge.create_article(
                actor=editor, owner=lead_department, title="旧解答", body="旧正文。"
            ),
        ),
    )

    shown = client.get(f"{KNOWLEDGE}{published.pk}/")
    assert shown.status_code == 200
    assert "公开的解答" in text_of(shown) and "武汉市住房和城市更新局" in text_of(shown)
    assert client.get(f"{KNOWLEDGE}{draft.pk}/").status_code == 404
    assert client.get(f"{KNOWLEDGE}{archived.pk}/").status_code == 404
    # the public page is public even for the article's editor
    assert signed_in(editor).get(f"{KNOWLEDGE}{draft.pk}/").status_code == 404
    assert client.get(f"{KNOWLEDGE}999999/").status_code == 404
