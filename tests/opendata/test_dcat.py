"""The DCAT-AP catalogue: JSON-LD and Turtle parse back to the same triples, with paging
(hydra:PagedCollection, as ckanext-dcat) and modified_since."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rdflib import Graph, Literal, Namespace, URIRef

from tests.opendata.conftest import dataset_data
from yiwang.opendata import dcat, services
from yiwang.opendata.models import Dataset

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser still uses its deprecated ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

# Plain namespaces (rdflib's closed ones warn when pytest inspects the module).
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
JSONLD = "/opendata/catalog.jsonld"
TURTLE = "/opendata/catalog.ttl"


def parse(response: Any, fmt: str) -> Graph:
    assert response.status_code == 200, response.content[:500]
    graph = Graph()
    graph.parse(data=response.content.decode("utf-8"), format=fmt)
    return graph


def datasets_in(graph: Graph) -> set[str]:
    return {str(graph.value(d, DCTERMS.identifier)) for d in graph.subjects(RDF.type, DCAT.Dataset)}


def paging(graph: Graph) -> dict[str, Any]:
    node = next(graph.subjects(RDF.type, HYDRA.PagedCollection))
    values: dict[str, Any] = {"@id": str(node)}
    for name in ("totalItems", "itemsPerPage", "firstPage", "lastPage", "nextPage", "previousPage"):
        value = graph.value(node, HYDRA[name])
        values[name] = value.toPython() if isinstance(value, Literal) else value
    return values


@pytest.fixture
def many(od_clerk: Any) -> list[Dataset]:
    """Five published datasets, modified one day apart (the newest is ds-4), and a draft."""
    made = []
    base = timezone.now() - dt.timedelta(days=10)
    for n in range(5):
        dataset = services.create_dataset(
            actor=od_clerk, data=dataset_data(name=f"ds-{n}", title=f"数据集{n}")
        )
        Dataset.objects.filter(pk=dataset.pk).update(metadata_modified=base + dt.timedelta(days=n))
        made.append(dataset)
    services.create_dataset(actor=od_clerk, data=dataset_data(name="draft-one", title="草稿"))
    Dataset.objects.filter(name="draft-one").update(state="draft")
    return made


def test_a_dataset_with_its_distributions_in_both_serialisations(
    client: Any, od_clerk: Any, od_dataset: Dataset
) -> None:
    upload = SimpleUploadedFile(
        "stops.json", b'[{"name": "\xe6\xb1\x89\xe5\x8f\xa3\xe7\xab\x99"}]', "application/json"
    )
    file_resource = services.create_resource(
        actor=od_clerk,
        dataset=od_dataset,
        data={"name": "站点清单", "format": "JSON"},
        upload=upload,
    )

    for path, fmt in ((JSONLD, "json-ld"), (TURTLE, "turtle")):
        graph = parse(client.get(path), fmt)

        catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
        node = next(graph.objects(catalog, DCAT.dataset))
        assert graph.value(node, DCTERMS.identifier) == Literal(str(od_dataset.pk))
        assert graph.value(node, DCTERMS.title) == Literal("武汉市公交站点", lang="zh")
        assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {"公交", "交通"}
        assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(
            "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
        )
        assert URIRef("http://publications.europa.eu/resource/authority/data-theme/TRAN") in set(
            graph.objects(node, DCAT.theme)
        )
        publisher = graph.value(node, DCTERMS.publisher)
        assert (publisher, RDF.type, FOAF.Agent) in graph
        assert str(graph.value(publisher, FOAF.name)) == "武汉市数据局"
        assert str(graph.value(graph.value(node, DCTERMS.spatial), DCTERMS.identifier)) == "4201"
        assert graph.value(node, DCTERMS.license) == URIRef(
            "https://creativecommons.org/licenses/by/4.0/"
        )
        assert graph.value(node, DCTERMS.language) == URIRef(
            "http://publications.europa.eu/resource/authority/language/ZHO"
        )
        assert graph.value(node, DCTERMS.modified) is not None
        assert graph.value(node, DCAT.landingPage) is not None

        distributions = {
            str(graph.value(d, DCTERMS.title)): d for d in graph.objects(node, DCAT.distribution)
        }
        assert set(distributions) == {"公交站点查询接口", "站点清单"}
        api = distributions["公交站点查询接口"]
        assert graph.value(api, DCAT.accessURL) == URIRef(
            "https://data.example.gov.cn/api/bus-stops"
        )
        assert graph.value(api, DCAT.downloadURL) is None
        stored = distributions["站点清单"]
        download = services.download_url(file_resource)
        assert graph.value(stored, DCAT.downloadURL) == URIRef(download)
        assert graph.value(stored, DCTERMS["format"]) == URIRef(
            "http://publications.europa.eu/resource/authority/file-type/JSON"
        )
        assert graph.value(stored, DCAT.mediaType) == URIRef(
            "https://www.iana.org/assignments/media-types/application/json"
        )
        assert graph.value(stored, DCAT.byteSize).toPython() == file_resource.size


def test_only_published_datasets_and_the_page_size(
    client: Any, many: list[Dataset], monkeypatch: Any
) -> None:
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)

    first = parse(client.get(JSONLD), "json-ld")
    assert datasets_in(first) == {str(many[4].pk), str(many[3].pk)}
    info = paging(first)
    assert info["totalItems"] == 5
    assert info["itemsPerPage"] == 2
    assert info["@id"].endswith("/opendata/catalog.jsonld?page=1")
    assert info["nextPage"].endswith("/opendata/catalog.jsonld?page=2")
    assert info["lastPage"].endswith("/opendata/catalog.jsonld?page=3")
    assert info["previousPage"] is None

    last = parse(client.get(JSONLD, {"page": 3}), "json-ld")
    assert datasets_in(last) == {str(many[0].pk)}
    assert paging(last)["nextPage"] is None
    assert paging(last)["previousPage"].endswith("page=2")


def test_walking_every_page_finds_every_dataset_once(
    client: Any, many: list[Dataset], monkeypatch: Any
) -> None:
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    seen: list[str] = []
    url: str | None = TURTLE
    while url:
        graph = parse(client.get(url), "turtle")
        seen += datasets_in(graph)
        following = paging(graph)["nextPage"]
        url = following.split("://", 1)[1].split("/", 1)[1] if following else None
        url = "/" + url if url else None
    assert sorted(seen) == sorted(str(d.pk) for d in many)


def test_a_page_past_the_end_is_empty(client: Any, many: list[Dataset]) -> None:
    graph = parse(client.get(TURTLE, {"page": 40}), "turtle")

    assert datasets_in(graph) == set()
    assert next(graph.subjects(RDF.type, DCAT.Catalog), None) is not None
    info = paging(graph)
    assert info["totalItems"] == 5
    assert info["nextPage"] is None
    assert info["previousPage"].endswith("page=1")


def test_modified_since_keeps_later_changes_and_pages_keep_it(
    client: Any, many: list[Dataset], monkeypatch: Any
) -> None:
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    moment = Dataset.objects.get(pk=many[2].pk).metadata_modified

    graph = parse(client.get(JSONLD, {"modified_since": moment.isoformat()}), "json-ld")

    assert datasets_in(graph) == {str(many[4].pk), str(many[3].pk)}
    info = paging(graph)
    assert info["totalItems"] == 3
    assert "modified_since=" in info["nextPage"]
    second = parse(client.get(JSONLD, {"modified_since": moment.isoformat(), "page": 2}), "json-ld")
    assert datasets_in(second) == {str(many[2].pk)}

    by_date = parse(client.get(TURTLE, {"modified_since": "2999-01-01"}), "turtle")
    assert datasets_in(by_date) == set()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"modified_since": "yesterday"}, "modified_since"),
        ({"modified_since": "2024-13-01"}, "modified_since"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "-1"}, "page"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(
    client: Any, params: dict[str, str], parameter: str
) -> None:
    response = client.get(JSONLD, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "opendata_query_invalid"
    assert body["details"]["parameter"] == parameter
    assert parameter in body["message"]


def test_content_negotiation(client: Any, od_dataset: Dataset) -> None:
    turtle = client.get("/opendata/catalog", HTTP_ACCEPT="text/turtle")
    assert turtle["Content-Type"].startswith("text/turtle")
    assert datasets_in(parse(turtle, "turtle")) == {str(od_dataset.pk)}
    assert "Accept" in turtle["Vary"]

    json_ld = client.get("/opendata/catalog", HTTP_ACCEPT="application/ld+json")
    assert json_ld["Content-Type"].startswith("application/ld+json")
    assert datasets_in(parse(json_ld, "json-ld")) == {str(od_dataset.pk)}

    preferred = client.get(
        "/opendata/catalog", HTTP_ACCEPT="application/ld+json;q=0.5, text/turtle"
    )
    assert preferred["Content-Type"].startswith("text/turtle")
    assert client.post(JSONLD).status_code == 405
