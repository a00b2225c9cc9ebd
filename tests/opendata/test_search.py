"""Open-data search (package_search): Chinese full text, fq filters, facets, sorting, paging,
drafts, and updates searchable at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import DepartmentFactory
from tests.opendata.conftest import dataset_data
from yiwang.kernel.models import SearchEntry
from yiwang.opendata import actions, search, services
from yiwang.opendata.models import Dataset, FacetValue, Publisher, Resource, Tag

pytestmark = pytest.mark.django_db


def make(
    publisher: Publisher,
    name: str,
    title: str,
    *,
    notes: str = "",
    tags: tuple[str, ...] = (),
    theme: str = "transport",
    region: str = "4201",
    formats: tuple[str, ...] = (),
    state: str = "active",
    licence: str = "cc-by-4.0",
    open_type: str = "unconditional",
    minutes_ago: int = 0,
) -> Dataset:
    dataset = Dataset.objects.create(
        name=name,
        title=title,
        notes=notes,
        publisher=publisher,
        theme=theme,
        region_id=region,
        licence_id=licence,
        update_frequency="monthly",
        open_type=open_type,
        state=state,
        metadata_modified=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    dataset.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
    for position, fmt in enumerate(formats):
        Resource.objects.create(
            dataset=dataset,
            name=f"{title}{fmt}文件",
            format=fmt,
            url="https://data.example.gov.cn/x",
            position=position,
        )
    search.index(dataset)
    return dataset


@pytest.fixture
def catalogue(od_publisher: Publisher, od_other_publisher: Publisher) -> dict[str, Dataset]:
    """Five datasets of two publishers in 武汉 (4201, 420106) and 宜昌 (4205)."""
    return {
        "bus": make(
            od_publisher,
            "bus-lines",
            "武汉市公交线路",
            notes="全市公交线路的走向与站点。",
            tags=("公交", "交通出行"),
            formats=("CSV", "API"),
            minutes_ago=5,
        ),
        "metro": make(
            od_publisher,
            "metro-stations",
            "武汉地铁站点",
            tags=("地铁", "交通出行"),
            region="420106",
            formats=("JSON",),
            minutes_ago=4,
        ),
        "schools": make(
            od_publisher,
            "schools",
            "武昌区中小学名录",
            tags=("教育",),
            theme="education",
            region="420106",
            formats=("XLSX",),
            licence="gov-open",
            minutes_ago=3,
        ),
        "market": make(
            od_other_publisher,
            "market-entities",
            "宜昌市市场主体登记信息",
            notes="个体工商户与企业的登记信息。",
            tags=("市场主体",),
            theme="market",
            region="4205",
            formats=("CSV",),
            open_type="conditional",
            minutes_ago=2,
        ),
        "parking": make(
            od_other_publisher,
            "parking",
            "宜昌市公共停车场",
            tags=("停车 场所", "交通出行"),
            region="4205",
            minutes_ago=1,
        ),
    }


def names(result: search.SearchResult) -> list[str]:
    by_id = {d.pk: d.name for d in Dataset.objects.filter(pk__in=result.ids)}
    return [by_id[i] for i in result.ids]


def test_a_chinese_word_finds_the_longer_title(catalogue: dict[str, Dataset]) -> None:
    result = search.search(q="公交")
    assert names(result) == ["bus-lines"]
    assert result.count == 1
    # A word only in the description, in the organisation's title, in a resource name
    assert names(search.search(q="个体工商户")) == ["market-entities"]
    assert set(names(search.search(q="武汉市数据局"))) == {"bus-lines", "metro-stations", "schools"}
    assert names(search.search(q="公交线路CSV文件")) == ["bus-lines"]


def test_pinyin_initials_and_tags(catalogue: dict[str, Dataset]) -> None:
    assert names(search.search(q="gjxl")) == ["bus-lines"]
    assert names(search.search(q="ditie")) == ["metro-stations"]
    assert set(names(search.search(q="交通出行"))) == {"bus-lines", "metro-stations", "parking"}


def test_a_word_no_dataset_has_finds_nothing(catalogue: dict[str, Dataset]) -> None:
    result = search.search(q="气象预报", facet_fields=["organization"])
    assert result.count == 0
    assert result.ids == []
    assert result.facets == {"organization": {}}


def test_filters_by_facet_values(catalogue: dict[str, Dataset]) -> None:
    assert set(names(search.search(fq="organization:4205-scjg"))) == {"market-entities", "parking"}
    assert names(search.search(fq="tags:地铁")) == ["metro-stations"]
    assert names(search.search(fq='tags:"停车 场所"')) == ["parking"]
    assert names(search.search(fq="res_format:XLSX")) == ["schools"]
    assert names(search.search(fq="res_format:xlsx")) == ["schools"]
    assert names(search.search(fq="open_type:conditional")) == ["market-entities"]
    assert names(search.search(fq="license_id:gov-open")) == ["schools"]
    assert set(names(search.search(fq="theme:transport AND region:4201"))) == {
        "bus-lines",
        "metro-stations",
    }
    assert names(search.search(q="交通出行", fq="+organization:4201-sjj +res_format:CSV")) == [
        "bus-lines"
    ]


def test_a_province_filter_finds_its_cities_datasets(catalogue: dict[str, Dataset]) -> None:
    assert search.search(fq="region:42").count == 5
    assert search.search(fq="region:4201").count == 3
    assert set(names(search.search(fq="region:420106"))) == {"metro-stations", "schools"}
    assert search.search(fq="region:4205", q="地铁").count == 0


@pytest.mark.parametrize(
    "fq",
    [
        "groups:roads",
        "organization",
        "organization:",
        'tags:"unclosed',
        "AND theme:x",
        "tags:a AND",
    ],
)
def test_bad_fq_is_a_search_error(catalogue: dict[str, Dataset], fq: str) -> None:
    with pytest.raises(actions.ActionError) as caught:
        search.search(fq=fq)
    assert caught.value.type == "Search Query Error"
    assert caught.value.status == 400
    assert "fq" in caught.value.message or "筛选" in caught.value.message


def test_bad_sort_is_a_search_error(catalogue: dict[str, Dataset]) -> None:
    with pytest.raises(actions.ActionError) as caught:
        search.search(sort="popularity desc")
    assert caught.value.type == "Search Query Error"
    assert "排序" in caught.value.message


def test_facets_of_the_matched_set(catalogue: dict[str, Dataset]) -> None:
    fields = ["organization", "tags", "theme", "res_format", "region", "open_type", "license_id"]
    result = search.search(q="交通出行", facet_fields=[*fields, "groups"])
    assert result.count == 3
    assert result.facets["organization"] == {"4201-sjj": 2, "4205-scjg": 1}
    assert result.facets["tags"] == {"交通出行": 3, "停车 场所": 1, "公交": 1, "地铁": 1}
    assert result.facets["theme"] == {"transport": 3}
    assert result.facets["res_format"] == {"API": 1, "CSV": 1, "JSON": 1}
    assert result.facets["region"] == {"42": 3, "4201": 2, "4205": 1, "420106": 1}
    assert result.facets["open_type"] == {"unconditional": 3}
    assert result.facets["license_id"] == {"cc-by-4.0": 3}
    assert result.facets["groups"] == {}  # CKAN's default facet: none here, not an error
    # The most frequent first, cut at the limit
    assert search.search(fq="region:42", facet_fields=["tags"], facet_limit=1).facets == {
        "tags": {"交通出行": 3}
    }


def test_facets_of_everything_without_q_or_fq(catalogue: dict[str, Dataset]) -> None:
    result = search.search(facet_fields=["organization", "theme"])
    assert result.count == 5
    assert result.facets == {
        "organization": {"4201-sjj": 3, "4205-scjg": 2},
        "theme": {"transport": 3, "education": 1, "market": 1},
    }
    assert search.search(q="*:*").count == 5


def test_sorting_and_paging(catalogue: dict[str, Dataset]) -> None:
    newest_first = ["parking", "market-entities", "schools", "metro-stations", "bus-lines"]
    assert names(search.search()) == newest_first
    assert names(search.search(sort="metadata_modified asc")) == newest_first[::-1]
    assert names(search.search(sort="name asc")) == sorted(newest_first)
    assert names(search.search(sort="name desc", rows=2)) == ["schools", "parking"]
    assert names(search.search(rows=2, start=2)) == newest_first[2:4]
    assert names(search.search(rows=2, start=4)) == newest_first[4:]
    past = search.search(rows=2, start=10)
    assert (past.count, past.ids) == (5, [])
    assert search.search(rows=0).count == 5
    # With words too: the same sorts, over the matches only
    in_region = search.search(fq="region:42", sort="metadata_modified asc", rows=2, start=1)
    assert names(in_region) == newest_first[::-1][1:3]
    titles = names(search.search(q="交通出行", sort="title_string asc"))
    assert titles == [
        "parking",
        "metro-stations",
        "bus-lines",
    ]  # 宜 < 武汉地 < 武汉市 (code points)
    assert names(search.search(q="交通出行", sort="name asc", rows=1, start=1)) == [
        "metro-stations"
    ]


def test_the_title_ranks_first(od_publisher: Publisher) -> None:
    make(od_publisher, "mentions", "道路养护记录", notes="含部分公交站台的养护。", minutes_ago=1)
    make(od_publisher, "named", "公交站台分布")
    assert names(search.search(q="公交站台")) == ["named", "mentions"]
    assert names(search.search(q="公交站台", sort="metadata_modified asc")) == [
        "mentions",
        "named",
    ]


def test_drafts_only_for_their_publisher(
    catalogue: dict[str, Dataset], od_publisher: Publisher
) -> None:
    draft = make(od_publisher, "draft-bus", "公交刷卡客流（草稿）", tags=("公交",), state="draft")
    assert names(search.search(q="公交")) == ["bus-lines"]
    assert search.search().count == 5
    assert not FacetValue.objects.filter(dataset=draft).exists()
    mine = search.search(q="公交", include_drafts_of=[od_publisher.pk], facet_fields=["tags"])
    assert set(names(mine)) == {"bus-lines", "draft-bus"}
    assert mine.facets["tags"]["公交"] == 2
    everything = search.search(include_drafts_of=[od_publisher.pk], facet_fields=["organization"])
    assert everything.count == 6
    assert everything.facets["organization"] == {"4201-sjj": 4, "4205-scjg": 2}
    others = search.search(q="公交", include_drafts_of=[od_publisher.pk + 1000])
    assert names(others) == ["bus-lines"]


def test_an_update_is_searchable_at_once(od_clerk: Any, od_dataset: Dataset) -> None:
    assert names(search.search(q="公交站点")) == ["wuhan-bus-stops"]
    services.update_dataset(
        actor=od_clerk,
        dataset=od_dataset,
        data=dataset_data(
            title="武汉市地铁出入口",
            notes="各地铁站出入口的位置。",
            tags=[{"name": "地铁"}],
            resources=[],
        ),
    )
    assert names(search.search(q="地铁出入口")) == ["wuhan-bus-stops"]
    assert search.search(q="公交站点").count == 0
    assert search.search(fq="tags:公交").count == 0
    assert names(search.search(fq="tags:地铁")) == ["wuhan-bus-stops"]


def test_a_deleted_dataset_disappears(od_clerk: Any, od_dataset: Dataset) -> None:
    assert search.search(q="公交站点", facet_fields=["tags"]).facets["tags"] == {
        "交通": 1,
        "公交": 1,
    }
    services.delete_dataset(actor=od_clerk, dataset=od_dataset)
    assert search.search(q="公交站点").count == 0
    assert search.search().count == 0
    assert search.search(facet_fields=["tags"]).facets == {"tags": {}}


def test_index_many_indexes_in_bulk(od_publisher: Publisher) -> None:
    department = DepartmentFactory(code="4205-JT", name="宜昌市交通运输局", region_id="4205")
    other = Publisher.objects.create(department=department, name="4205-jt")
    datasets = [
        Dataset.objects.create(
            name=f"bulk-{i}",
            title=f"宜昌市第{i}批公交站点",
            publisher=other if i % 2 else od_publisher,
            theme="transport",
            region_id="4205",
            licence_id="cc-by-4.0",
            update_frequency="monthly",
            open_type="unconditional",
            metadata_modified=timezone.now(),
        )
        for i in range(7)
    ]
    search.index(datasets[0])
    one_by_one = SearchEntry.objects.values("title_terms", "terms", "summary", "data").get(
        scope=search.SCOPE, key=datasets[0].pk.hex
    )
    assert search.index_many(datasets, batch_size=3) == 7
    in_bulk = SearchEntry.objects.values("title_terms", "terms", "summary", "data").get(
        scope=search.SCOPE, key=datasets[0].pk.hex
    )
    assert in_bulk == one_by_one
    result = search.search(q="公交站点", facet_fields=["organization"])
    assert result.count == 7
    assert result.facets["organization"] == {"4201-sjj": 4, "4205-jt": 3}


@pytest.mark.django_db(transaction=True)
def test_counts_of_everything_follow_every_change(od_publisher: Publisher) -> None:
    # Outside a transaction the counts of the whole catalogue are kept between calls: any
    # change must still show at once.
    def tags(**query: str) -> dict[str, int]:
        return search.search(facet_fields=["tags"], **query).facets["tags"]

    bus = make(od_publisher, "bus", "公交线路", tags=("公交",))
    assert tags() == tags(q="线路") == tags(fq="theme:transport") == {"公交": 1}
    metro = make(od_publisher, "metro", "地铁站点", tags=("地铁",))
    assert tags() == {"公交": 1, "地铁": 1}
    assert tags(q="站点") == {"地铁": 1}
    assert tags(fq="theme:transport") == {"公交": 1, "地铁": 1}
    metro.tags.set([Tag.objects.get(name="公交")])
    search.index(metro)
    assert tags() == tags(fq="theme:transport") == {"公交": 2}
    assert tags(q="站点") == {"公交": 1}
    bus.state = "deleted"
    bus.save()
    search.index(bus)
    assert tags() == tags(q="公交") == tags(fq="theme:transport") == {"公交": 1}
    metro.state = "draft"
    metro.save()
    search.index(metro)
    assert tags() == tags(q="站点") == tags(fq="theme:transport") == {}
    assert search.search(q="站点", include_drafts_of=[od_publisher.pk]).count == 1
    metro.state = "active"
    metro.save()
    search.index(metro)
    assert tags(q="站点") == tags(fq="tags:公交") == {"公交": 1}


def test_filters_alone_page_the_same_either_way(
    catalogue: dict[str, Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many matches of filters alone walk the date index instead of sorting the matches.
    queries = [
        {"fq": "region:42", "rows": 2, "start": 1},
        {"fq": "theme:transport", "sort": "metadata_modified asc"},
        {"fq": "region:42 AND tags:交通出行", "rows": 1, "start": 2},
        {"fq": "region:4201", "sort": "name desc"},
    ]
    sorted_matches = [names(search.search(**q)) for q in queries]  # type: ignore[arg-type]
    monkeypatch.setattr(search, "_WALK_DATES_ABOVE", 0)
    walked = [names(search.search(**q)) for q in queries]  # type: ignore[arg-type]
    assert walked == sorted_matches
    assert walked[:3] == [
        ["market-entities", "schools"],
        ["bus-lines", "metro-stations", "parking"],
        ["bus-lines"],
    ]
