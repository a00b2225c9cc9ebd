"""The open-data demo: at least 150 datasets with loaded tables, found by search, the same after
a second run. The demo step runs once (with the kernel and identity demos it needs); the
catalogue's own checks need no database."""

from __future__ import annotations

import random
from typing import Any

import pytest
from stdnum.cn import uscc

from yiwang.opendata import demo_catalogue as catalogue
from yiwang.opendata.models import (
    AccessApplication,
    Comment,
    DataRequest,
    Dataset,
    DatasetVersion,
    Publisher,
    Rating,
    Resource,
    Theme,
)


def _state() -> tuple[int, ...]:
    return (
        Dataset.objects.count(),
        Resource.objects.count(),
        DatasetVersion.objects.count(),
        DataRequest.objects.count(),
        Rating.objects.count(),
        Comment.objects.count(),
        AccessApplication.objects.count(),
        Publisher.objects.count(),
    )


@pytest.mark.django_db
def test_demo_publishes_loaded_searchable_datasets_and_loads_again_without_change() -> None:
    from yiwang.identity import demo as identity_demo
    from yiwang.kernel import demo as kernel_demo
    from yiwang.opendata import demo, search

    said: list[str] = []
    kernel_demo.load(actor="demo", say=said.append)
    identity_demo.load(actor="demo", say=said.append)
    demo.load(actor="demo", say=said.append)
    before = _state()

    active = Dataset.objects.filter(state="active")
    assert active.count() >= 150, said
    assert active.values("publisher").distinct().count() >= 10
    assert set(active.values_list("theme", flat=True)) == set(Theme.values)
    assert active.values("region").distinct().count() >= 4
    assert active.values("licence").distinct().count() >= 5
    assert active.values("update_frequency").distinct().count() >= 6
    conditional = active.filter(open_type="conditional")
    assert 0.10 <= conditional.count() / active.count() <= 0.20
    assert all(d.open_conditions for d in conditional)

    # every dataset has 1 to 3 resources; every table is in the data store
    for dataset in active.prefetch_related("resources"):
        assert 1 <= len(dataset.resources.all()) <= 3, dataset.name
    tables = Resource.objects.filter(format__in=["CSV", "XLSX"])
    assert tables.count() >= 150
    assert not tables.filter(datastore_active=False).exists()
    assert not tables.filter(datastore_rows__lt=50).exists()
    assert not tables.filter(datastore_rows__gt=2000).exists()
    assert Resource.objects.filter(format="JSON").exclude(file=None).count() >= 10
    apis = Resource.objects.filter(format="API")
    assert apis.count() >= 15
    assert all(r.url.startswith(("http://", "https://")) for r in apis)

    bus = Dataset.objects.get(name="wuhan-bus-lines")
    table = bus.resources.get(format="CSV")
    assert table.datastore_rows == 140
    assert {f["info"]["label"] for f in table.datastore_fields} >= {"线路名称", "首班时间"}
    assert bus.resources.get(format="API").url.endswith(f"resource_id={table.pk}")

    from yiwang.opendata import datastore

    result = datastore.search(table, limit=5)
    assert result["total"] == 140
    assert len(result["records"]) == 5

    # the files written in GBK on purpose are detected as such
    gbk = Resource.objects.get(dataset__name="yichang-enterprises", format="CSV")
    assert gbk.encoding == "gb18030"
    assert gbk.datastore_rows == 500
    names = [r["企业名称"] for r in datastore.search(gbk, limit=3)["records"]]
    assert all(name.startswith("宜昌") and name.endswith("有限公司") for name in names)

    found = search.search(q="公交")
    assert found.count >= 2
    assert bus.pk in found.ids

    assert DataRequest.objects.filter(status="answered").count() >= 3
    assert DataRequest.objects.filter(status="open").exists()
    assert Rating.objects.count() >= 50
    assert Comment.objects.count() >= 10
    assert AccessApplication.objects.filter(status="approved").exists()

    demo.load(actor="demo", say=said.append)
    assert _state() == before


def test_catalogue_is_realistic_and_deterministic() -> None:
    entries = list(catalogue.entries())
    assert len(entries) >= 150
    assert len({e.name for e in entries}) == len(entries)
    assert {e.spec.theme for e in entries} == set(Theme.values)
    assert all(e.spec.table in catalogue.TABLES for e in entries)
    assert all(50 <= e.rows <= 2000 for e in entries)
    assert all(1 <= len(e.resources) <= 3 for e in entries)

    entry = next(e for e in entries if e.name == "wuhan-hospitals")
    header, rows = catalogue.rows(entry, 200)
    records: list[dict[str, Any]] = [dict(zip(header, row, strict=True)) for row in rows]
    lng_min, lat_min, lng_max, lat_max = catalogue.HUBEI_BOX
    assert all(lng_min <= r["经度"] <= lng_max and lat_min <= r["纬度"] <= lat_max for r in records)
    assert all(r["地址"].startswith("武汉市") for r in records)
    assert all(r["联系电话"].startswith("027-") for r in records)
    _header, again = catalogue.rows(entry, 200)
    assert [list(r.values()) for r in records] == list(again)

    enterprises = next(e for e in entries if e.name == "yichang-enterprises")
    header, rows = catalogue.rows(enterprises, 300)
    codes = [row[header.index("统一社会信用代码")] for row in rows]
    assert all(uscc.is_valid(code) for code in codes)


def test_gbk_tables_can_be_written_in_gbk() -> None:
    for entry in catalogue.entries():
        if "gbk" in entry.resources:
            header, rows = catalogue.rows(entry, entry.rows)
            text = "\n".join(",".join(map(str, row)) for row in [header, *rows])
            text.encode("gbk")  # raises if a character has no GBK code


def test_row_values_stay_in_range() -> None:
    place = catalogue.PLACES["4205"]
    row = catalogue.Row(random.Random(7), 0, place)
    assert all(1 <= row.integer(1, 3) <= 3 for _ in range(500))
    assert all(2.0 <= row.num(2, 3) <= 3.0 for _ in range(500))
    assert row.phone().startswith("0717-")
    assert row.address.startswith("宜昌市")
