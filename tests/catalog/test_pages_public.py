"""The public catalogue pages: browse, search, the guide of an implementation and of a life
event, as a member of the public sees them (Django's test client, no JavaScript)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.catalog.fixtures import make_life_event
from yiwang.catalog import services
from yiwang.catalog.schemas import VersionIn

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def titles(response: Any) -> list[str]:
    """The titles of the result rows, in order."""
    return re.findall(
        r'<h3 class="cat-result__title"><a href="[^"]*">([^<]+)</a>', response.content.decode()
    )


# --- browse -----------------------------------------------------------------------------------


def test_browse_lists_published_services_with_life_events_first(
    client: Any, published: Any, restaurant: Any
) -> None:
    response = client.get(reverse("catalog:browse"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('id="events-title">一件事一次办') < html.index('id="results-title"')
    assert reverse("catalog:life-event", args=["restaurant"]) in html
    assert "开办餐饮店" in text_of(response)
    assert sorted(titles(response)) == ["个体工商户设立登记", "食品经营许可"]
    assert reverse("catalog:guide", args=[published.code]) in html
    assert "共 2 个事项" in text_of(response)
    assert 'href="/static/css/catalog.css"' in html


def test_browse_shows_no_draft_or_withdrawn_service(
    client: Any, implementation: Any, published: Any, reviewer: Any, licence_replacement: Any
) -> None:
    services.withdraw(actor=reviewer, implementation=licence_replacement, reason="停止办理")

    response = client.get(reverse("catalog:browse"))

    assert titles(response) == ["个体工商户设立登记"]
    assert "营业执照遗失补领" not in text_of(response)


def test_browse_with_nothing_published_says_so(client: Any, implementation: Any) -> None:
    response = client.get(reverse("catalog:browse"))

    assert response.status_code == 200
    assert "没有符合条件的事项" in text_of(response)
    assert "个体工商户设立登记" not in text_of(response)


def test_browse_filters_by_service_object(
    client: Any, published: Any, licence_replacement: Any
) -> None:
    citizens = client.get(reverse("catalog:browse"), {"object": "citizen"})
    enterprises = client.get(reverse("catalog:browse"), {"object": "enterprise"})

    assert titles(citizens) == ["个体工商户设立登记"]
    assert titles(enterprises) == ["营业执照遗失补领"]
    assert "服务对象：法人" in text_of(enterprises)  # the chosen filter, removable


def test_browse_filters_by_theme_with_links_for_themes_in_use(
    client: Any, published: Any, licence_replacement: Any
) -> None:
    response = client.get(reverse("catalog:browse"), {"theme": "qualification"})

    assert titles(response) == ["营业执照遗失补领"]
    html = response.content.decode()
    assert 'href="?theme=establishment"' in html
    assert ">设立变更</a>" in html
    assert ">婚姻登记</a>" not in html  # no published service has that theme


def test_browse_filters_by_department_and_region(
    client: Any,
    published: Any,
    licence_replacement: Any,
    owning_department: Any,
    other_department: Any,
) -> None:
    by_department = client.get(reverse("catalog:browse"), {"department": other_department.pk})
    by_city = client.get(reverse("catalog:browse"), {"region": "4201"})
    by_province = client.get(reverse("catalog:browse"), {"region": "42"})

    assert titles(by_department) == ["营业执照遗失补领"]
    assert titles(by_city) == ["个体工商户设立登记"]
    assert sorted(titles(by_province)) == ["个体工商户设立登记", "营业执照遗失补领"]
    html = by_city.content.decode()
    assert '<option value="4201" selected>' in html
    assert f'<option value="{owning_department.pk}">武昌区市场监督管理局</option>' in html


@pytest.mark.parametrize(
    "params",
    [
        {"region": "abc"},
        {"region": "99"},
        {"region": "4" * 40},
        {"department": "x"},
        {"department": "999999"},
        {"object": "martian"},
        {"theme": "<script>alert(1)</script>"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"kind": "secret"},
    ],
)
def test_bad_filter_values_are_ignored(client: Any, published: Any, params: Any) -> None:
    browse = client.get(reverse("catalog:browse"), params)
    search = client.get(reverse("catalog:search"), {"q": "个体", **params})

    assert browse.status_code == 200
    assert search.status_code == 200
    assert "<script>alert" not in search.content.decode()
    assert titles(search) == ["个体工商户设立登记"]


def test_browse_answers_only_get(client: Any, published: Any) -> None:
    assert client.post(reverse("catalog:browse")).status_code == 405


# --- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["个体工商户", "gtgsh", "GTGSHSLDJ", "sldj", "shelidengji", "geti sldj", " 个体  "]
)
def test_search_finds_by_chinese_pinyin_and_initials(client: Any, published: Any, q: str) -> None:
    response = client.get(reverse("catalog:search"), {"q": q})

    assert response.status_code == 200
    assert titles(response) == ["个体工商户设立登记"]


def test_search_by_initials_yyzz_finds_the_business_licence(
    client: Any, published: Any, licence_replacement: Any
) -> None:
    response = client.get(reverse("catalog:search"), {"q": "yyzz"})

    # the licence by its name first, then the registration that issues one
    assert titles(response) == ["营业执照遗失补领", "个体工商户设立登记"]
    assert "找到 2 个与“yyzz”相关的服务" in text_of(response)
    assert 'value="yyzz"' in response.content.decode()  # the query stays in the box


def test_search_result_shows_department_region_limit_and_badges(
    client: Any, published: Any, licence_replacement: Any
) -> None:
    promised = text_of(client.get(reverse("catalog:search"), {"q": "个体工商户"}))
    instant = text_of(client.get(reverse("catalog:search"), {"q": "补领"}))

    for expected in ("武昌区市场监督管理局", "武昌区", "5 个工作日", "最多跑一次", "可网上办理"):
        assert expected in promised
    for expected in ("宜昌市市场监督管理局", "宜昌市", "即办", "零跑动", "即办件", "法人"):
        assert expected in instant
    assert "最多跑一次" not in instant


def test_search_filters_combine_with_words(
    client: Any, published: Any, licence_replacement: Any, food_licence: Any
) -> None:
    response = client.get(reverse("catalog:search"), {"q": "许可", "object": "citizen"})
    by_region = client.get(reverse("catalog:search"), {"q": "设立", "region": "4205"})

    assert titles(response) == ["食品经营许可"]
    assert titles(by_region) == []
    assert "清除筛选条件后再搜索" in text_of(by_region)


def test_search_lists_life_events_with_a_badge(client: Any, restaurant: Any) -> None:
    response = client.get(reverse("catalog:search"), {"q": "餐饮"})

    assert titles(response) == ["开办餐饮店"]
    text = text_of(response)
    assert "一件事一次办" in text
    assert "包含事项 2 项" in text.replace("： ", "").replace("：", "")
    assert "8 个工作日" in text


def test_search_with_no_match_helps_the_citizen_on(client: Any, published: Any) -> None:
    response = client.get(reverse("catalog:search"), {"q": "火星移民"})

    assert response.status_code == 200
    text = text_of(response)
    assert "没有找到与“火星移民”相关的服务" in text
    assert "yyzz" in text
    assert "12345" in text
    assert reverse("catalog:browse") in response.content.decode()
    assert titles(response) == []


def test_search_of_punctuation_only_is_an_empty_result_not_an_error(
    client: Any, published: Any
) -> None:
    response = client.get(reverse("catalog:search"), {"q": "!!!“”%%%"})

    assert response.status_code == 200
    assert titles(response) == []


def test_search_of_a_very_long_query_is_cut_short_not_refused(client: Any, published: Any) -> None:
    response = client.get(reverse("catalog:search"), {"q": "个体" * 400})

    assert response.status_code == 200
    assert 'value="' + "个体" * 50 + '"' in response.content.decode()


def test_search_and_guide_keep_a_query_budget(
    client: Any, published: Any, restaurant: Any, django_assert_max_num_queries: Any
) -> None:
    # filter choices (6), the region check, the search (count + page), region names
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:search"), {"q": "个体", "region": "42", "object": "citizen"})
    with django_assert_max_num_queries(14):  # as search, and the life events apart
        client.get(reverse("catalog:browse"))
    with django_assert_max_num_queries(4):
        client.get(reverse("catalog:guide", args=[published.code]))


def test_search_paginates_and_keeps_the_filters(
    client: Any, published: Any, food_licence: Any, monkeypatch: Any
) -> None:
    from yiwang.catalog import views_public

    monkeypatch.setattr(views_public, "PAGE_SIZE", 1)
    first = client.get(reverse("catalog:search"), {"object": "citizen"})
    second = client.get(reverse("catalog:search"), {"object": "citizen", "page": "2"})
    beyond = client.get(reverse("catalog:search"), {"object": "citizen", "page": "9"})

    assert "第 1 页，共 2 页" in text_of(first)
    assert 'href="?object=citizen&amp;page=2"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()
    assert len(titles(first)) == len(titles(second)) == 1
    assert set(titles(first) + titles(second)) == {"个体工商户设立登记", "食品经营许可"}
    assert titles(beyond) == titles(second)  # past the end: the last page
    assert "第 2 页，共 2 页" in text_of(beyond)


def test_search_kind_link_lists_only_life_events(
    client: Any, published: Any, restaurant: Any
) -> None:
    response = client.get(reverse("catalog:search"), {"kind": "life_event"})

    assert titles(response) == ["开办餐饮店"]
    assert "类别：一件事" in text_of(response)


# --- the guide --------------------------------------------------------------------------------


def test_guide_shows_every_element_of_the_published_version(client: Any, published: Any) -> None:
    response = client.get(reverse("catalog:guide", args=[published.code]))

    assert response.status_code == 200
    text = text_of(response)
    for expected in (
        "个体工商户设立登记",
        "000105001000",
        published.code,
        "行政许可",
        "《促进个体工商户发展条例》第八条",
        "省、市、县",
        "自然人",
        "经营者具有完全民事行为能力",
        "武昌区市场监督管理局",
        "法定办结时限 15 个工作日",
        "承诺办结时限 5 个工作日",
        "不收费",
        "营业执照",
        "business_licence",
        "网上办理、窗口办理、移动端办理",
        "最多跑 1 次",
        "武汉市武昌区中北路 1 号政务服务中心 2 楼",
        "工作日 9:00-17:00",
        "027-12345678",
        "监督投诉电话 12345 政务服务便民热线",
        "第 1 版",
    ):
        assert expected in text, expected


def test_guide_materials_table_marks_what_need_not_be_submitted(
    client: Any, published: Any
) -> None:
    response = client.get(reverse("catalog:guide", args=[published.code]))

    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), flags=re.S)
    material_rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows[1:4]]
    assert material_rows[0].startswith("1 个体工商户登记(备案)申请书 原件 1 必要")
    assert (
        "经营者身份证明 复印件 1 非必要（视情况提交） 免提交：可调用电子证照（resident_id_card）"
        in (material_rows[1])
    )
    assert "经营场所使用证明 复印件 2 非必要" in material_rows[2]
    assert "其中 1 项材料可通过电子证照或共享数据获取" in text_of(response)


def test_guide_draws_the_process_with_roles_and_lists_it_for_screen_readers(
    client: Any, published: Any
) -> None:
    html = client.get(reverse("catalog:guide", args=[published.code])).content.decode()

    diagram = html[html.index('class="cat-flow"') : html.index('aria-label="办理流程步骤"')]
    boxes = re.findall(
        r'cat-flow__name">([^<]+)</span>\s*(?:<span class="cat-flow__role">([^<]+)</span>)?',
        diagram,
    )
    assert boxes == [
        ("申请", "申请人"),
        ("受理", "窗口人员"),
        ("审查", "审批人员"),
        ("决定", "审批人员"),
        ("办结", "审批人员"),
    ]
    assert diagram.count('class="cat-flow__arrow"') == 4
    assert 'aria-hidden="true"' in diagram
    steps = html[html.index('aria-label="办理流程步骤"') :]
    assert "受理（由窗口人员办理）" in steps


def test_guide_links_to_its_pdf_and_to_browse_but_offers_no_apply_button(
    client: Any, published: Any
) -> None:
    html = client.get(reverse("catalog:guide", args=[published.code])).content.decode()

    assert f'href="{reverse("catalog:guide-pdf", args=[published.code])}"' in html
    assert f'href="{reverse("catalog:browse")}"' in html
    assert "在线申请即将开放" not in html
    assert "disabled" not in html


def test_guide_of_an_instant_item_says_so(client: Any, licence_replacement: Any) -> None:
    text = text_of(client.get(reverse("catalog:guide", args=[licence_replacement.code])))

    assert "办件类型 即办件" in text
    assert "承诺办结时限 即办" in text
    assert "法定办结时限 即办" in text
    assert "零跑动（全程网上办理）" in text
    assert "0717-1234567" in text


def test_guide_shows_fees_that_are_charged(client: Any, food_licence: Any) -> None:
    text = text_of(client.get(reverse("catalog:guide", args=[food_licence.code])))

    assert "收费，合计 10.00 元" in text
    assert "许可证工本费 10.00 元 鄂价费〔2020〕1号" in text
    assert "免提交：可通过共享数据（health_certificate）获取" in text


def test_guide_links_to_the_life_events_that_include_it(
    client: Any, published: Any, restaurant: Any
) -> None:
    html = client.get(reverse("catalog:guide", args=[published.code])).content.decode()

    assert "可以一起办理" in html
    assert f'href="{reverse("catalog:life-event", args=["restaurant"])}">开办餐饮店</a>' in html


def test_guide_of_a_draft_is_not_found(client: Any, implementation: Any) -> None:
    assert client.get(reverse("catalog:guide", args=[implementation.code])).status_code == 404
    assert client.get(reverse("catalog:guide-pdf", args=[implementation.code])).status_code == 404


def test_guide_of_a_withdrawn_implementation_is_not_found(
    client: Any, published: Any, reviewer: Any
) -> None:
    services.withdraw(actor=reviewer, implementation=published, reason="停止办理")

    assert client.get(reverse("catalog:guide", args=[published.code])).status_code == 404
    assert client.get(reverse("catalog:guide-pdf", args=[published.code])).status_code == 404


def test_guide_of_an_unknown_code_is_not_found(client: Any, db: None) -> None:
    assert client.get(reverse("catalog:guide", args=["no-such-code"])).status_code == 404


def test_guide_shows_the_published_version_while_a_revision_is_drafted(
    client: Any, published: Any, catalog_editor: Any
) -> None:
    draft = services.revise(actor=catalog_editor, implementation=published)
    services.update_draft(
        actor=catalog_editor, version=draft, data=VersionIn(promised_limit_days=3)
    )

    text = text_of(client.get(reverse("catalog:guide", args=[published.code])))

    assert "承诺办结时限 5 个工作日" in text
    assert "3 个工作日" not in text


def test_guide_in_elder_mode_marks_the_page(client: Any, published: Any) -> None:
    client.cookies["yiwang_elder"] = "1"

    html = client.get(reverse("catalog:guide", args=[published.code])).content.decode()

    assert '<html lang="zh-Hans" class="elder">' in html


# --- life events ------------------------------------------------------------------------------


def test_life_event_guide_lists_items_with_links_and_the_total_limit(
    client: Any, restaurant: Any, published: Any, food_licence: Any
) -> None:
    response = client.get(reverse("catalog:life-event", args=["restaurant"]))

    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "开办餐饮店" in text
    assert "一次申请营业执照和食品经营许可" in text
    assert (
        f'<a href="{reverse("catalog:guide", args=[published.code])}">个体工商户设立登记</a>'
        in (html)
    )
    assert (
        f'<a href="{reverse("catalog:guide", args=[food_licence.code])}">食品经营许可</a>' in html
    )
    assert "承诺办结时限 8 个工作日" in text
    assert f'href="{reverse("catalog:life-event-pdf", args=["restaurant"])}"' in html


def test_life_event_guide_merges_materials_and_marks_exemptions(
    client: Any, restaurant: Any
) -> None:
    html = client.get(reverse("catalog:life-event", args=["restaurant"])).content.decode()
    materials = html[html.index('id="materials"') : html.index('id="form"')]
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>(.*?)</tr>", materials, flags=re.S)[1:]
    ]

    assert len(rows) == 5  # 2 application forms, 1 ID card (asked by both), 2 more
    id_card = [r for r in rows if "身份证明" in r]
    assert len(id_card) == 1
    assert "免提交" in id_card[0]
    assert "个体工商户设立登记、食品经营许可" in id_card[0]
    health = next(r for r in rows if "健康证明" in r)
    assert "免提交" in health
    assert health.endswith("食品经营许可")
    assert sum("免提交" in r for r in rows) == 2


def test_life_event_guide_shows_the_merged_form_once_per_meaning(
    client: Any, restaurant: Any
) -> None:
    html = client.get(reverse("catalog:life-event", args=["restaurant"])).content.decode()
    form = html[html.index('id="form"') :]
    fields = re.findall(r'<th scope="row">([^<]+)</th>', form)

    assert fields == ["申请人姓名", "身份证号码", "店铺名称", "经营项目"]
    assert "经营者姓名" not in form  # the same meaning as 申请人姓名: asked once
    name_row = form[form.index("申请人姓名") : form.index("身份证号码")]
    assert "个体工商户设立登记、食品经营许可" in name_row


def test_life_event_without_its_own_limit_adds_up_its_items(
    client: Any, published: Any, food_licence: Any, catalog_editor: Any, reviewer: Any
) -> None:
    make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[published.code, food_licence.code],
        promised_limit_days=None,
    )

    text = text_of(client.get(reverse("catalog:life-event", args=["restaurant"])))

    assert "15 个工作日（各事项承诺时限合计）" in text


def test_draft_and_withdrawn_life_events_are_not_found(
    client: Any, published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    draft = make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code], publish=False
    )
    assert client.get(reverse("catalog:life-event", args=[draft.code])).status_code == 404

    services.set_life_event_status(actor=reviewer, event=draft, status="published")
    assert client.get(reverse("catalog:life-event", args=[draft.code])).status_code == 200
    services.set_life_event_status(actor=catalog_editor, event=draft, status="withdrawn")

    assert client.get(reverse("catalog:life-event", args=[draft.code])).status_code == 404
    assert client.get(reverse("catalog:life-event-pdf", args=[draft.code])).status_code == 404
    assert "开办餐饮店" not in text_of(client.get(reverse("catalog:browse")))


def test_withdrawing_a_member_takes_the_life_event_off_the_portal(
    client: Any, restaurant: Any, food_licence: Any, reviewer: Any
) -> None:
    services.withdraw(actor=reviewer, implementation=food_licence, reason="暂停")

    assert client.get(reverse("catalog:life-event", args=["restaurant"])).status_code == 404
    assert "开办餐饮店" not in text_of(client.get(reverse("catalog:browse")))
