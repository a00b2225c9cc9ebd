"""The ``ckanapi`` client from PyPI, unchanged, against the running server: its Python API
(``RemoteCKAN``) and its command line (``ckanapi dump`` / ``ckanapi load``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from tests.opendata.conftest import dataset_data
from yiwang.opendata import services
from yiwang.opendata.models import Dataset

pytestmark = pytest.mark.django_db(transaction=True)

VENV_BIN = Path(sys.executable).parent
CKANAPI = VENV_BIN / "ckanapi"


@pytest.fixture
def two_datasets(od_clerk: Any) -> list[Any]:
    bus = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            resources=[{"name": "接口", "url": "https://data.example.gov.cn/api/bus"}]
        ),
    )
    air = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-air-quality",
            title="武汉市空气质量日报",
            notes="各监测站点每日空气质量指数。",
            theme="environment",
            tags=[{"name": "空气质量"}],
            update_frequency="daily",
        ),
    )
    return [bus, air]


def remote(live_server: Any, token: str | None = None) -> RemoteCKAN:
    return RemoteCKAN(live_server.url + "/opendata", apikey=token, user_agent="yiwang-tests")


def run_ckanapi(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(  # the dump and load workers are `ckanapi` child processes too
        [str(CKANAPI), *args], input=stdin, capture_output=True, env=env, timeout=120, check=False
    )


def test_package_search_through_ckanapi(live_server: Any, two_datasets: Any) -> None:
    ckan = remote(live_server)

    found = ckan.action.package_search(
        q="空气质量", fq="organization:4201-sjj", facet_field=None, rows=5
    )

    assert found["count"] == 1
    assert found["results"][0]["name"] == "wuhan-air-quality"


def test_package_search_facets_through_ckanapi(live_server: Any, two_datasets: Any) -> None:
    ckan = remote(live_server)

    found = ckan.call_action(
        "package_search",
        {"q": "", "facet.field": json.dumps(["theme", "organization"]), "rows": 10},
    )

    assert found["count"] == 2
    assert found["facets"]["theme"] == {"transport": 1, "environment": 1}
    items = found["search_facets"]["organization"]["items"]
    assert items == [{"name": "4201-sjj", "display_name": "武汉市数据局", "count": 2}]


def test_ckanapi_raises_ckans_exceptions(
    live_server: Any, od_token: str, od_publisher: Any
) -> None:
    ckan = remote(live_server, od_token)

    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ValidationError) as refused:
        ckan.action.package_create(**{k: v for k, v in dataset_data().items() if k != "owner_org"})
    assert "owner_org" in refused.value.error_dict
    with pytest.raises(NotAuthorized):
        remote(live_server, "ywod_bad_token").action.package_create(**dataset_data())
    assert not Dataset.objects.exists()


def test_ckanapi_creates_a_dataset_and_uploads_files(
    live_server: Any, od_token: str, od_publisher: Any, tmp_path: Path
) -> None:
    ckan = remote(live_server, od_token)
    stops = tmp_path / "stops.json"
    stops.write_text('[{"stop": "汉口"}]', encoding="utf-8")

    created = ckan.action.package_create(**dataset_data())
    with stops.open("rb") as upload:
        named = ckan.action.resource_create(package_id=created["id"], name="站点", upload=upload)
    unnamed = ckan.action.resource_create(  # no file name: the declared format decides
        package_id=created["name"], name="线路", format="json", upload=io.BytesIO(b"{}")
    )

    assert named["url_type"] == "upload"
    assert (named["format"], unnamed["format"]) == ("JSON", "JSON")
    shown = ckan.action.package_show(id="wuhan-bus-stops")
    assert [r["name"] for r in shown["resources"]] == ["站点", "线路"]
    assert shown["version"] == 3


def test_dump_and_load_round_trip_unchanged(
    live_server: Any, od_token: str, two_datasets: Any, tmp_path: Path, od_clerk: Any
) -> None:
    url = live_server.url + "/opendata"
    dumped = run_ckanapi("dump", "datasets", "--all", "-p", "1", "-q", "-r", url)
    assert dumped.returncode == 0, dumped.stderr.decode()
    lines = dumped.stdout.decode().splitlines()
    assert len(lines) == 2
    first = {json.loads(line)["name"]: json.loads(line) for line in lines}
    assert first["wuhan-bus-stops"]["organization"]["name"] == "4201-sjj"

    # Someone changes a dataset after the dump; loading the dump puts it back.
    services.patch_dataset(actor=od_clerk, dataset=two_datasets[0], data={"title": "改动"})
    dump_file = tmp_path / "datasets.jsonl"
    dump_file.write_bytes(dumped.stdout)
    loaded = run_ckanapi(
        "load", "datasets", "-I", str(dump_file), "-p", "1", "-r", url, "-a", od_token
    )
    assert loaded.returncode == 0, loaded.stderr.decode()
    # ckanapi reports one line per record on stderr: "<n> [<job>] <stats> <action> <error> <name>"
    replies = [line for line in loaded.stderr.decode().splitlines() if line.strip()]
    assert len(replies) == 2, replies
    assert all(" update None " in line for line in replies), replies

    again = run_ckanapi("dump", "datasets", "--all", "-p", "1", "-q", "-r", url)
    second = {
        json.loads(line)["name"]: json.loads(line) for line in again.stdout.decode().splitlines()
    }
    bookkeeping = {"version", "metadata_modified"}

    def content(package: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in package.items() if k not in bookkeeping}

    assert second["wuhan-air-quality"] == first["wuhan-air-quality"]  # untouched: identical
    assert content(second["wuhan-bus-stops"]) == content(first["wuhan-bus-stops"])
    assert second["wuhan-bus-stops"]["version"] == 3  # created, changed, restored

    # Loading the same dump again changes nothing at all.
    run_ckanapi("load", "datasets", "-I", str(dump_file), "-p", "1", "-r", url, "-a", od_token)
    third = run_ckanapi("dump", "datasets", "--all", "-p", "1", "-q", "-r", url)
    assert third.stdout == again.stdout
