"""Portal search through the API: Chinese words, pinyin initials, filters, withdrawal, and
the query budget of the public endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.catalog.fixtures import item_data
from tests.catalog.test_api import API, assert_error, pointers
from tests.factories import DepartmentFactory
from yiwang.catalog import services
from yiwang.catalog.schemas import ItemIn, VersionIn

pytestmark = pytest.mark.django_db

SEARCH = f"{API}/search"


def search(**params: Any) -> dict[str, Any]:
    response = Client().get(SEARCH, params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def keys(**params: Any) -> list[str]:
    return [hit["key"] for hit in search(**params)["results"]]


def publish_new(actor: Any, reviewer: Any, item: Any, department: Any) -> Any:
    implementation = services.create_implementation(
        actor=actor, item=item, department=department, data=VersionIn(promised_limit_days=10)
    )
    version = implementation.versions.get()
    services.submit(actor=actor, version=version)
    services.publish(actor=reviewer, version=version)
    return implementation


@pytest.fixture
def food_licence(
    item_owner: Any, reviewer: Any, second_reviewer: Any, other_department: Any
) -> Any:
    """食品经营许可 for enterprises (theme 准营准办), published by 宜昌市市场监督管理局
    (the outsider's department)."""
    item = services.create_item(
        actor=item_owner,
        data=ItemIn(
            **item_data(
                code="000105002000",
                name="食品经营许可",
                service_objects=["enterprise"],
                themes=["operation"],
                result_name="食品经营许可证",
                result_license_type="food_business_licence",
                materials=[],
            )
        ),
    )
    return publish_new(reviewer, second_reviewer, item, other_department)


def test_pinyin_initials_find_the_published_implementation(published: Any) -> None:
    body = search(q="gtgsh")
    assert body["total"] == 1
    [hit] = body["results"]
    assert hit["key"] == published.code
    assert hit["title"] == "个体工商户设立登记"
    assert hit["url"] == f"/guide/{published.code}/"
    assert hit["data"]["department"] == "武昌区市场监督管理局"
    assert hit["data"]["promised_limit_days"] == 5
    assert hit["score"] > 0


def test_chinese_words_and_full_pinyin_find_it_too(published: Any) -> None:
    assert keys(q="个体工商户") == [published.code]
    assert keys(q="设立登记") == [published.code]
    assert keys(q="getigongshanghu") == [published.code]
    assert keys(q="营业执照") == [published.code]  # the result, in the body
    assert keys(q="渔业捕捞许可") == []


def test_drafts_are_not_found(implementation: Any) -> None:
    body = search(q="个体工商户")
    assert (body["total"], body["results"]) == (0, [])
    assert keys(q="gtgsh") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["000105001000.420106-SCJG", "000105002000.4205-SCJG"]),
        ({"region": "42"}, ["000105001000.420106-SCJG", "000105002000.4205-SCJG"]),
        ({"region": "4201"}, ["000105001000.420106-SCJG"]),
        ({"region": "420106"}, ["000105001000.420106-SCJG"]),
        ({"region": "4205"}, ["000105002000.4205-SCJG"]),
        ({"department": "4205-SCJG"}, ["000105002000.4205-SCJG"]),
        ({"object": "citizen"}, ["000105001000.420106-SCJG"]),
        ({"object": "enterprise"}, ["000105002000.4205-SCJG"]),
        ({"theme": "establishment"}, ["000105001000.420106-SCJG"]),
        ({"theme": "operation"}, ["000105002000.4205-SCJG"]),
        ({"theme": "health"}, []),
        ({"kind": "implementation", "object": "enterprise"}, ["000105002000.4205-SCJG"]),
        ({"kind": "life_event"}, []),
        ({"q": "许可", "region": "4201"}, []),
    ],
)
def test_search_filters(
    published: Any, food_licence: Any, params: dict[str, str], expected: list[str]
) -> None:
    assert sorted(keys(**params)) == expected


def test_search_pages_through_the_results(published: Any, food_licence: Any) -> None:
    first = search(limit=1)
    second = search(limit=1, offset=1)
    assert first["total"] == second["total"] == 2
    assert len(first["results"]) == len(second["results"]) == 1
    assert first["results"][0]["key"] != second["results"][0]["key"]


def test_an_unknown_region_filter_is_refused(published: Any) -> None:
    body = assert_error(Client().get(SEARCH, {"region": "99"}), 422, "region_unknown")
    assert pointers(body) == [("region", "region_unknown")]


def test_an_unknown_department_filter_is_refused(published: Any) -> None:
    response = Client().get(SEARCH, {"department": "NO-SUCH"})
    body = assert_error(response, 422, "department_unknown")
    assert pointers(body) == [("department", "department_unknown")]


@pytest.mark.parametrize(
    "params",
    [
        {"object": "martian"},
        {"theme": "nonsense"},
        {"kind": "everything"},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"q": "个" * 201},
    ],
)
def test_malformed_search_parameters_are_refused(regions: Any, params: dict[str, Any]) -> None:
    body = assert_error(Client().get(SEARCH, params), 422, "validation_error")
    assert body["details"]["errors"]


def test_a_withdrawn_implementation_disappears_from_search(published: Any, reviewer: Any) -> None:
    assert keys(q="gtgsh") == [published.code]
    client = Client()
    client.force_login(reviewer)
    response = client.post(
        f"{API}/implementations/{published.code}/withdraw",
        {"reason": "事项已取消"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert keys(q="gtgsh") == []
    assert keys(q="个体工商户") == []


def test_search_keeps_its_query_budget(
    published: Any,
    food_licence: Any,
    item: Any,
    reviewer: Any,
    second_reviewer: Any,
    regions: Any,
    django_assert_max_num_queries: Any,
) -> None:
    department = DepartmentFactory(code="4201-SCJG", region=regions.wuhan)
    publish_new(reviewer, second_reviewer, item, department)
    client = Client()
    client.get(SEARCH, {"q": "许可"})  # load the segmenter outside the budget
    # region and department look-ups, count, page: however many results there are
    with django_assert_max_num_queries(4):
        response = client.get(
            SEARCH,
            {"q": "gtgsh", "region": "42", "department": "4201-SCJG", "object": "citizen"},
        )
    assert response.json()["total"] == 1
