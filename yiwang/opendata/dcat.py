"""The catalogue of published datasets as DCAT-AP (2 and 3): one ``dcat:Catalog`` page of
``dcat:Dataset``\\ s with their ``dcat:Distribution``\\ s, serialised as JSON-LD or Turtle.

Paging follows ckanext-dcat, so its harvester (and other DCAT harvesters) can walk the
catalogue: datasets newest change first, :data:`PAGE_SIZE` a page, and a
``hydra:PagedCollection`` node (the page's own URL) carrying ``hydra:totalItems``,
``hydra:itemsPerPage``, ``hydra:firstPage``, ``hydra:lastPage`` and, where there are such
pages, ``hydra:nextPage`` / ``hydra:previousPage``. ``modified_since`` keeps the datasets whose
metadata changed at or after that moment (an incremental harvest).

Controlled vocabularies are the EU Publications Office's, as DCAT-AP requires: frequencies
(``accrualPeriodicity``), data themes (our national themes are given too, as concepts of the
portal's own scheme), file types and languages; media types are IANA's. Every URI is built on
``YIWANG_PUBLIC_URL``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from yiwang.opendata import services
from yiwang.opendata.models import (
    Dataset,
    DatasetState,
    Resource,
    ResourceFormat,
    Theme,
    UpdateFrequency,
)

PAGE_SIZE = 100

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
#: DCAT 3 terms rdflib's (DCAT 2) namespace does not define.
DCAT3_VERSION = URIRef(f"{DCAT}version")
EU = "http://publications.europa.eu/resource/authority/"
EU_FREQUENCY = Namespace(EU + "frequency/")
EU_THEME = Namespace(EU + "data-theme/")
EU_FILE_TYPE = Namespace(EU + "file-type/")
EU_LANGUAGE = Namespace(EU + "language/")
IANA_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
CHINESE = EU_LANGUAGE["ZHO"]
LANG = "zh"

FREQUENCIES: dict[str, str] = {
    UpdateFrequency.REALTIME: "UPDATE_CONT",
    UpdateFrequency.DAILY: "DAILY",
    UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.YEARLY: "ANNUAL",
    UpdateFrequency.IRREGULAR: "IRREG",
}

#: Our themes (the national classification) on the EU data themes.
EU_THEMES: dict[str, str] = {
    Theme.ECONOMY: "ECON",
    Theme.FINANCE: "ECON",
    Theme.TRANSPORT: "TRAN",
    Theme.EDUCATION: "EDUC",
    Theme.HEALTH: "HEAL",
    Theme.SOCIAL: "SOCI",
    Theme.EMPLOYMENT: "SOCI",
    Theme.ENVIRONMENT: "ENVI",
    Theme.AGRICULTURE: "AGRI",
    Theme.URBAN: "REGI",
    Theme.SAFETY: "JUST",
    Theme.MARKET: "ECON",
    Theme.SCIENCE: "TECH",
    Theme.TOURISM: "EDUC",
    Theme.GOVERNMENT: "GOVE",
    Theme.GEOGRAPHY: "REGI",
}

FILE_TYPES: dict[str, str] = {
    ResourceFormat.CSV: "CSV",
    ResourceFormat.XLSX: "XLSX",
    ResourceFormat.JSON: "JSON",
}

MEDIA_TYPES: dict[str, str] = {
    ResourceFormat.CSV: "text/csv",
    ResourceFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ResourceFormat.JSON: "application/json",
}

#: Prefixes for Turtle and the JSON-LD context.
PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "vcard": str(VCARD),
    "hydra": str(HYDRA),
    "owl": str(OWL),
    "xsd": str(XSD),
}


@dataclass(frozen=True)
class CatalogPage:
    """One page of the catalogue: its datasets and where it sits among the pages."""

    datasets: list[Dataset]
    page: int
    page_size: int
    total: int
    modified_since: dt.datetime | None
    last_modified: dt.datetime | None

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def parse_modified_since(value: str) -> dt.datetime:
    """An ISO 8601 date or date and time (``2024-05-01``, ``2024-05-01T08:00:00``, with or
    without an offset or ``Z``); a time without an offset is the site's local time. Raises
    ValueError for anything else."""
    value = value.strip()
    if not value:
        raise ValueError("empty")
    if len(value) == 10:
        moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    else:
        moment = dt.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def catalog_page(
    *, page: int = 1, modified_since: dt.datetime | None = None, page_size: int | None = None
) -> CatalogPage:
    """Page ``page`` (from 1) of the published datasets, newest change first. A page past the
    end is empty, not an error."""
    size = page_size or PAGE_SIZE
    rows = Dataset.objects.filter(state=DatasetState.ACTIVE)
    if modified_since is not None:
        rows = rows.filter(metadata_modified__gte=modified_since)
    total = rows.count()
    start = (page - 1) * size
    datasets = list(
        rows.select_related("publisher__department", "licence", "region")
        .prefetch_related("tags", "resources__file")
        .order_by("-metadata_modified", "pk")[start : start + size]
    )
    last_modified = rows.aggregate(last=Max("metadata_modified"))["last"]
    return CatalogPage(datasets, page, size, total, modified_since, last_modified)


# --- the graph ----------------------------------------------------------------------------------


def _base() -> str:
    return str(settings.YIWANG_PUBLIC_URL).rstrip("/")


def dataset_uri(dataset: Dataset) -> URIRef:
    return URIRef(f"{_base()}/opendata/dataset/{dataset.pk}")


def landing_page(dataset: Dataset) -> URIRef:
    return URIRef(f"{_base()}/opendata/dataset/{dataset.name}")


def distribution_uri(resource: Resource) -> URIRef:
    return URIRef(f"{_base()}/opendata/dataset/{resource.dataset_id}/resource/{resource.pk}")


def _zh(text: str) -> Literal:
    return Literal(text, lang=LANG)


def _when(moment: dt.datetime) -> Literal:
    return Literal(moment.astimezone(dt.UTC).isoformat(), datatype=XSD.dateTime)


def _add_agent(g: Graph, uri: URIRef, name: str) -> URIRef:
    g.add((uri, RDF.type, FOAF.Agent))
    g.add((uri, FOAF.name, _zh(name)))
    return uri


def _add_distribution(g: Graph, resource: Resource, licence: URIRef) -> URIRef:
    node = distribution_uri(resource)
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.title, _zh(resource.name)))
    if resource.description:
        g.add((node, DCTERMS.description, _zh(resource.description)))
    if resource.file_id:
        url = URIRef(services.download_url(resource))
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
    elif resource.url:
        g.add((node, DCAT.accessURL, URIRef(resource.url)))
    file_type = FILE_TYPES.get(resource.format)
    if file_type:
        g.add((node, DCTERMS["format"], EU_FILE_TYPE[file_type]))
    media_type = resource.mimetype or MEDIA_TYPES.get(resource.format, "")
    if media_type and "/" in media_type:
        g.add((node, DCAT.mediaType, URIRef(IANA_MEDIA_TYPE + media_type.split(";")[0].strip())))
    if resource.size is not None:
        g.add((node, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger)))
    g.add((node, DCTERMS.license, licence))
    g.add((node, DCTERMS.issued, _when(resource.created)))
    if resource.last_modified:
        g.add((node, DCTERMS.modified, _when(resource.last_modified)))
    return node


def _add_dataset(g: Graph, dataset: Dataset) -> URIRef:
    base = _base()
    node = dataset_uri(dataset)
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
    g.add((node, DCTERMS.title, _zh(dataset.title)))
    g.add((node, DCTERMS.description, _zh(dataset.notes or dataset.title)))
    for tag in sorted(t.name for t in dataset.tags.all()):
        g.add((node, DCAT.keyword, _zh(tag)))

    g.add((node, DCAT.theme, EU_THEME[EU_THEMES.get(dataset.theme, "GOVE")]))
    theme = URIRef(f"{base}/opendata/theme/{dataset.theme}")
    g.add((theme, RDF.type, SKOS.Concept))
    g.add((theme, SKOS.prefLabel, _zh(str(Theme(dataset.theme).label))))
    g.add((theme, SKOS.inScheme, URIRef(f"{base}/opendata/theme")))
    g.add((node, DCAT.theme, theme))

    publisher = dataset.publisher
    agent = URIRef(f"{base}/opendata/organization/{publisher.name}")
    g.add((node, DCTERMS.publisher, _add_agent(g, agent, services.publisher_title(publisher))))

    region = URIRef(f"{base}/opendata/region/{dataset.region_id}")
    g.add((region, RDF.type, DCTERMS.Location))
    g.add((region, SKOS.prefLabel, _zh(dataset.region.name)))
    g.add((region, DCTERMS.identifier, Literal(dataset.region_id)))
    g.add((node, DCTERMS.spatial, region))

    licence = URIRef(dataset.licence.url or f"{base}/opendata/licence/{dataset.licence_id}")
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.title, _zh(dataset.licence.title)))
    g.add((licence, DCTERMS.identifier, Literal(dataset.licence_id)))
    g.add((node, DCTERMS.license, licence))

    frequency = FREQUENCIES.get(dataset.update_frequency)
    if frequency:
        g.add((node, DCTERMS.accrualPeriodicity, EU_FREQUENCY[frequency]))
    g.add((node, DCTERMS.language, CHINESE))
    g.add((node, DCTERMS.issued, _when(dataset.metadata_created)))
    g.add((node, DCTERMS.modified, _when(dataset.metadata_modified)))
    g.add((node, DCAT.landingPage, landing_page(dataset)))
    # The version: DCAT-AP 3's dcat:version, and DCAT-AP 2's owl:versionInfo.
    g.add((node, DCAT3_VERSION, Literal(str(dataset.version))))
    g.add((node, OWL.versionInfo, Literal(str(dataset.version))))
    if dataset.maintainer or dataset.maintainer_email:
        contact = BNode()
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, VCARD.fn, _zh(dataset.maintainer or publisher.name)))
        if dataset.maintainer_email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.maintainer_email}")))
        g.add((node, DCAT.contactPoint, contact))
    for resource in sorted(dataset.resources.all(), key=lambda r: (r.position, r.created)):
        g.add((node, DCAT.distribution, _add_distribution(g, resource, licence)))
    return node


def page_url(path: str, page: int, modified_since: str = "") -> str:
    query = {"page": page, **({"modified_since": modified_since} if modified_since else {})}
    return f"{_base()}{path}?{urlencode(query)}"


def build_graph(result: CatalogPage, *, path: str, modified_since: str = "") -> Graph:
    """The DCAT-AP graph of one catalogue page; ``path`` is the endpoint's path (paging links
    point back at it), ``modified_since`` the parameter as the caller gave it."""
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    base = _base()
    catalog = URIRef(f"{base}/opendata/catalog")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, _zh(_("公共数据开放平台"))))
    g.add((catalog, DCTERMS.description, _zh(_("政府部门向社会开放的公共数据集目录。"))))
    g.add((catalog, DCTERMS.language, CHINESE))
    g.add((catalog, FOAF.homepage, URIRef(f"{base}/opendata/")))
    platform = _add_agent(g, URIRef(f"{base}/opendata/"), _("公共数据开放平台"))
    g.add((catalog, DCTERMS.publisher, platform))
    if result.last_modified is not None:
        g.add((catalog, DCTERMS.modified, _when(result.last_modified)))
    for dataset in result.datasets:
        g.add((catalog, DCAT.dataset, _add_dataset(g, dataset)))

    paging = URIRef(page_url(path, result.page, modified_since))
    g.add((paging, RDF.type, HYDRA.PagedCollection))
    g.add((paging, HYDRA.totalItems, Literal(result.total, datatype=XSD.integer)))
    g.add((paging, HYDRA.itemsPerPage, Literal(result.page_size, datatype=XSD.integer)))
    g.add((paging, HYDRA.firstPage, Literal(page_url(path, 1, modified_since))))
    g.add((paging, HYDRA.lastPage, Literal(page_url(path, result.last_page, modified_since))))
    if result.page < result.last_page:
        g.add((paging, HYDRA.nextPage, Literal(page_url(path, result.page + 1, modified_since))))
    if result.page > 1:  # past the end, the previous page is the last one
        previous = min(result.page - 1, result.last_page)
        g.add((paging, HYDRA.previousPage, Literal(page_url(path, previous, modified_since))))
    return g


def serialize(g: Graph, fmt: str) -> bytes:
    """``fmt``: ``"jsonld"`` or ``"turtle"``; UTF-8 bytes."""
    if fmt == "jsonld":
        data: Any = g.serialize(format="json-ld", context=PREFIXES, auto_compact=True)
    else:
        data = g.serialize(format="turtle")
    return str(data).encode("utf-8")
