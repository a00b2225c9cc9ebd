"""Searching the open-data catalogue (CKAN's ``package_search``) on the kernel's full-text index.

Every live dataset has one :class:`~yiwang.kernel.models.SearchEntry` of scope
``opendata.dataset`` (key: the dataset's id in hex) and one :class:`FacetValue` row per facet
value. The entry's title is the dataset's title; its body the description, the resources' names
and the organisation's title; its tags are keywords (pinyin and initials, as titles). Each facet
value is also a filter token of the entry (``f_odtheme_<hash of the value>``: values are hashed
because the kernel's tokens keep only ``[0-9a-z]`` and tags are Chinese), so a query and its
``fq`` are one lookup in the full-text index.

* With ``q`` or ``fq``: the matches come from the full-text index (SQLite FTS5, PostgreSQL
  ``tsvector``), ranked by BM25 / ``ts_rank`` or joined to the datasets for the other sorts;
  facet counts are one ``GROUP BY`` of the :class:`FacetValue` rows of the matched datasets.
* With neither: every active dataset matches; pages come from the ``(state,
  metadata_modified)`` index and facet counts from the :class:`FacetValue` rows alone.

Drafts are indexed too, but only under a token of their publisher (``f_oddraftof_<id>``) and
without ``FacetValue`` rows: the public never finds them, ``include_drafts_of`` (the publishers
whose drafts the caller may see) adds them. Deleted datasets are removed.

:func:`index` runs inside the writer's transaction, so a change is searchable as soon as it is
committed.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.kernel import search as kernel_search
from yiwang.kernel.models import SearchEntry

from . import actions
from .models import Dataset, DatasetState, FacetValue, Resource

SCOPE = "opendata.dataset"
FACET_FIELDS: tuple[str, ...] = (
    "organization",
    "tags",
    "theme",
    "res_format",
    "region",
    "open_type",
    "license_id",
)
#: CKAN's own front end sends ``dataset_type:dataset``; every dataset here is one.
_NOOP_FILTERS = {("dataset_type", "dataset")}
_REGION_LENGTHS = (2, 4, 6, 9, 12)
#: Above this many matches of filters alone, a page walks the date index (SQLite).
_WALK_DATES_ABOVE = 2000
#: (SQL order of the full-text path, ORM order of the plain path), by CKAN sort.
_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "score desc": ("", ("-metadata_modified",)),
    "metadata_modified desc": ("d.metadata_modified DESC", ("-metadata_modified",)),
    "metadata_modified asc": ("d.metadata_modified ASC", ("metadata_modified",)),
    "metadata_created desc": ("d.metadata_created DESC", ("-metadata_created",)),
    "metadata_created asc": ("d.metadata_created ASC", ("metadata_created",)),
    "title_string asc": ("d.title ASC", ("title",)),
    "title_string desc": ("d.title DESC", ("-title",)),
    "name asc": ("d.name ASC", ("name",)),
    "name desc": ("d.name DESC", ("-name",)),
}


@dataclass(frozen=True)
class SearchResult:
    count: int
    ids: list[uuid.UUID] = field(default_factory=list)
    #: CKAN's ``facets``: {field: {value: count}}, the most frequent first.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# --- indexing -------------------------------------------------------------------------------


def _hashed(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def _token(name: str, value: str) -> str:
    return kernel_search.filter_token(f"od{name}", _hashed(value))


def region_codes(code: str) -> list[str]:
    """A region's code and its ancestors' (codes are prefixes: 420106 → 42, 4201, 420106)."""
    return [code[:n] for n in _REGION_LENGTHS if len(code) >= n]


def facet_values(dataset: Dataset) -> dict[str, list[str]]:
    """The dataset's value(s) of every facet field."""
    tags = sorted({tag.name for tag in dataset.tags.all()})
    formats = sorted({resource.format for resource in dataset.resources.all() if resource.format})
    return {
        "organization": [dataset.publisher.name],
        "tags": tags,
        "theme": [dataset.theme] if dataset.theme else [],
        "res_format": formats,
        "region": region_codes(dataset.region_id),
        "open_type": [dataset.open_type] if dataset.open_type else [],
        "license_id": [dataset.licence_id] if dataset.licence_id else [],
    }


def _key(dataset_id: uuid.UUID | str) -> str:
    return uuid.UUID(str(dataset_id)).hex


def _entry_fields(dataset: Dataset, values: dict[str, list[str]]) -> dict[str, Any]:
    """What the dataset's search entry is made of (kernel ``search.index``'s arguments)."""
    filters = {f"od{name}": [_hashed(v) for v in vs] for name, vs in values.items()}
    if dataset.state == DatasetState.ACTIVE:
        filters["odstate"] = ["active"]
    else:
        filters["oddraftof"] = [str(dataset.publisher_id)]
    resources = [resource.name for resource in dataset.resources.all()]
    return {
        "title": dataset.title,
        "body": " ".join([dataset.notes, *resources, dataset.publisher.department.name]),
        "keywords": values["tags"],
        "filters": filters,
        "summary": dataset.notes[:200],
        "data": {"name": dataset.name},
    }


def _entry(dataset: Dataset, values: dict[str, list[str]]) -> None:
    """The dataset's search entry, written through the kernel (the analysis lives there)."""
    kernel_search.index(SCOPE, _key(dataset.pk), **_entry_fields(dataset, values))


def _bulk_entry(dataset: Dataset, values: dict[str, list[str]]) -> SearchEntry:
    """The same entry as :func:`_entry` (same analysis, same terms; a test holds them equal),
    unsaved, for ``bulk_create``."""
    fields = _entry_fields(dataset, values)
    title_terms = _analyse_title(fields["title"])
    keyword_terms = _analyse_title(" ".join(fields["keywords"])) if fields["keywords"] else []
    filter_terms = [
        kernel_search.filter_token(name, value)
        for name, vs in fields["filters"].items()
        for value in vs
    ]
    body_terms = kernel_search._unique(
        [
            *keyword_terms,
            *kernel_search.analyse_body(fields["body"]),
            *filter_terms,
            kernel_search.filter_token("scope", SCOPE),
        ]
    )
    return SearchEntry(
        scope=SCOPE,
        key=_key(dataset.pk),
        title=fields["title"],
        summary=fields["summary"],
        url="",
        data=fields["data"],
        title_terms=" ".join(title_terms),
        terms=" ".join(body_terms),
    )


@functools.lru_cache(maxsize=50_000)
def _analyse_title(text: str) -> list[str]:
    # Titles and tag lists repeat across a catalogue (and their pinyin is what costs).
    return kernel_search.analyse_title(text)


@contextmanager
def _pinyin_memoised() -> Iterator[None]:
    """For a bulk load: the kernel's pinyin of a word, memoised (a pure function; most of the
    time of analysing a title goes to it, and a catalogue's words repeat). Restored after."""
    original = kernel_search.pinyin_terms
    setattr(kernel_search, "pinyin_terms", functools.lru_cache(maxsize=200_000)(original))  # noqa: B010
    try:
        yield
    finally:
        setattr(kernel_search, "pinyin_terms", original)  # noqa: B010


def _facet_rows(dataset: Dataset, values: dict[str, list[str]]) -> list[FacetValue]:
    return [
        FacetValue(dataset_id=dataset.pk, field=name, value=value)
        for name, vs in values.items()
        for value in vs
    ]


def _prefetched(ids: Iterable[uuid.UUID | str]) -> list[Dataset]:
    return list(
        Dataset.objects.filter(pk__in=list(ids))
        .select_related("publisher__department")
        .prefetch_related(
            "tags",
            Prefetch("resources", queryset=Resource.objects.only("dataset", "name", "format")),
        )
    )


@transaction.atomic
def index(dataset: Dataset) -> None:
    """(Re-)index one dataset: its search entry and its facet values. A draft is indexed for
    its publisher only; a deleted dataset is removed."""
    if dataset.state not in (DatasetState.ACTIVE, DatasetState.DRAFT):
        remove(dataset)
        return
    # Read the related rows afresh: the caller may just have changed tags or resources.
    fresh = _prefetched([dataset.pk])
    if not fresh:
        remove(dataset)
        return
    current = fresh[0]
    values = facet_values(current)
    _entry(current, values)
    FacetValue.objects.filter(dataset_id=current.pk).delete()
    if current.state == DatasetState.ACTIVE:
        FacetValue.objects.bulk_create(_facet_rows(current, values))


@transaction.atomic
def index_many(datasets: Iterable[Dataset], *, batch_size: int = 500) -> int:
    """Index many datasets at once (a first load, a rebuild): the related rows are read per
    batch and the facet values written in bulk. Returns how many were indexed."""
    done = 0
    batch: list[Dataset] = []

    def flush() -> None:
        nonlocal done
        loaded = _prefetched(d.pk for d in batch)
        keys = [_key(d.pk) for d in loaded]
        FacetValue.objects.filter(dataset_id__in=[d.pk for d in loaded]).delete()
        SearchEntry.objects.filter(scope=SCOPE, key__in=keys).delete()
        entries: list[SearchEntry] = []
        rows: list[FacetValue] = []
        for dataset in loaded:
            if dataset.state not in (DatasetState.ACTIVE, DatasetState.DRAFT):
                continue
            values = facet_values(dataset)
            entries.append(_bulk_entry(dataset, values))
            if dataset.state == DatasetState.ACTIVE:
                rows.extend(_facet_rows(dataset, values))
            done += 1
        SearchEntry.objects.bulk_create(entries, batch_size=500)
        FacetValue.objects.bulk_create(rows, batch_size=2000)
        batch.clear()

    with _pinyin_memoised():
        for dataset in datasets:
            batch.append(dataset)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    return done


@transaction.atomic
def remove(dataset: Dataset) -> None:
    """Take the dataset out of search (its entry and its facet values)."""
    kernel_search.remove(SCOPE, _key(dataset.pk))
    FacetValue.objects.filter(dataset_id=dataset.pk).delete()


# --- parsing fq and sort --------------------------------------------------------------------


_FQ_TERM = re.compile(
    r"\s*(?:(?P<and>AND|&&)(?=\s|$)"
    r"|\+?(?P<name>[A-Za-z_][A-Za-z0-9_.]*):"
    r'(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]+)))'
)
_UNESCAPE = re.compile(r"\\(.)")


def parse_fq(fq: str) -> list[tuple[str, str]]:
    """``field:value`` / ``field:"quoted value"`` terms, joined by spaces or ``AND`` (a leading
    ``+`` is allowed, as Solr has it). Unknown fields and anything else are refused."""
    terms: list[tuple[str, str]] = []
    position, after_and, seen = 0, False, False
    text = fq.rstrip()
    while position < len(text):
        found = _FQ_TERM.match(text, position)
        if found is None or found.end() == position:
            raise actions.search_error(
                _('无法解析筛选条件 fq：%(fq)s（应为 字段:值 或 字段:"值"，以空格或 AND 连接）。')
                % {"fq": fq}
            )
        position = found.end()
        if found.group("and"):
            if after_and or not seen:
                raise actions.search_error(_("无法解析筛选条件 fq：%(fq)s") % {"fq": fq})
            after_and = True
            continue
        after_and, seen = False, True
        name = found.group("name")
        quoted = found.group("quoted")
        value = _UNESCAPE.sub(r"\1", quoted) if quoted is not None else found.group("bare")
        if not value.strip():
            raise actions.search_error(_("筛选条件 fq 缺少取值：%(fq)s") % {"fq": fq})
        if (name, value) in _NOOP_FILTERS:
            continue
        if name not in FACET_FIELDS:
            raise actions.search_error(
                _("不支持按“%(field)s”筛选；可用字段：%(fields)s。")
                % {"field": name, "fields": ", ".join(FACET_FIELDS)}
            )
        terms.append((name, value.upper() if name == "res_format" else value))
    if after_and:
        raise actions.search_error(_("无法解析筛选条件 fq：%(fq)s") % {"fq": fq})
    return terms


def parse_sort(sort: str, *, has_query: bool) -> list[str]:
    """The CKAN sort keys, validated (``score desc, metadata_modified desc``)."""
    if not sort.strip():
        return ["score desc"] if has_query else ["metadata_modified desc"]
    keys = [" ".join(part.split()).lower() for part in sort.split(",")]
    for key in keys:
        if key not in _SORTS:
            raise actions.search_error(
                _("不支持的排序方式：%(sort)s；可用：%(sorts)s。")
                % {"sort": sort, "sorts": ", ".join(_SORTS)}
            )
    return keys


# --- searching ------------------------------------------------------------------------------


def search(
    *,
    q: str = "",
    fq: str = "",
    sort: str = "",
    rows: int = 10,
    start: int = 0,
    facet_fields: list[str] | None = None,
    facet_limit: int = 50,
    include_drafts_of: list[int] | None = None,
) -> SearchResult:
    """CKAN's ``package_search``: the matching datasets' count, one page of their ids and the
    facet counts of the whole matched set."""
    if rows < 0 or start < 0:
        raise actions.search_error(_("rows 和 start 不能为负数。"))
    filters = parse_fq(fq)
    q = "" if q.strip() in ("*:*", "*") else q
    terms = kernel_search.query_terms(q)
    sort_keys = parse_sort(sort, has_query=bool(terms))
    wanted = [f for f in dict.fromkeys(facet_fields or []) if f in FACET_FIELDS]
    empty_facets: dict[str, dict[str, int]] = {f: {} for f in dict.fromkeys(facet_fields or [])}
    drafts_of = sorted({int(p) for p in include_drafts_of or []})
    if q.strip() and not terms:
        return SearchResult(count=0, facets=empty_facets)
    if not terms:
        return _by_facets(
            filters, sort_keys, rows, start, wanted, facet_limit, drafts_of, empty_facets
        )

    required = [_token(name, value) for name, value in filters]
    result = _indexed(required, terms, sort_keys, rows, start, wanted, facet_limit, drafts_of)
    if result.count == 0 and terms and not terms[0].prefix:
        # No dataset has all the words jieba found: fall back to the query's characters, as the
        # kernel's search does (a phrase cut differently still finds something).
        chars = kernel_search._character_terms(q)
        if chars and [t.text for t in chars] != [t.text for t in terms]:
            result = _indexed(
                required, chars, sort_keys, rows, start, wanted, facet_limit, drafts_of
            )
    return SearchResult(result.count, result.ids, {**empty_facets, **result.facets})


def _top(
    counts: Counter[tuple[str, str]], wanted: Sequence[str], limit: int
) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {f: {} for f in wanted}
    per_field: dict[str, list[tuple[str, int]]] = {f: [] for f in wanted}
    for (name, value), n in counts.items():
        if name in per_field and n > 0:
            per_field[name].append((value, n))
    for name, items in per_field.items():
        items.sort(key=lambda item: (-item[1], item[0]))
        facets[name] = dict(items if limit < 0 else items[:limit])
    return facets


def _draft_counts(
    dataset_ids: Iterable[uuid.UUID | str], wanted: Sequence[str]
) -> Counter[tuple[str, str]]:
    """Facet counts of drafts (they have no FacetValue rows: there are few of them)."""
    counts: Counter[tuple[str, str]] = Counter()
    if not wanted:
        return counts
    for dataset in _prefetched(uuid.UUID(str(i)) for i in dataset_ids):
        for name, values in facet_values(dataset).items():
            if name in wanted:
                counts.update((name, v) for v in values)
    return counts


def _by_facets(
    filters: list[tuple[str, str]],
    sort_keys: list[str],
    rows: int,
    start: int,
    wanted: list[str],
    facet_limit: int,
    drafts_of: list[int],
    empty_facets: dict[str, dict[str, int]],
) -> SearchResult:
    """No words: the FacetValue rows decide alone (every active dataset has them, nothing
    else does), without the full-text index. Without filters, every active dataset."""
    matched: QuerySet[FacetValue] | None = None
    for name, value in filters:
        values = FacetValue.objects.filter(field=name, value=value)
        matched = (
            values
            if matched is None
            else values.filter(dataset_id__in=matched.values("dataset_id"))
        )
    draft_ids: list[uuid.UUID] = []
    if drafts_of:
        drafts = _prefetched(
            Dataset.objects.filter(
                state=DatasetState.DRAFT, publisher_id__in=drafts_of
            ).values_list("pk", flat=True)
        )
        draft_ids = [
            d.pk for d in drafts if all(value in facet_values(d)[name] for name, value in filters)
        ]
    entry_ids: list[int] | None = None
    if matched is None:
        visible = Q(state=DatasetState.ACTIVE)
        count = Dataset.objects.filter(state=DatasetState.ACTIVE).count()
    else:
        visible = Q(state=DatasetState.ACTIVE, pk__in=matched.values("dataset_id"))
        if connection.in_atomic_block:
            count = matched.count()
        else:
            # The filters' tokens in the full-text index give the matches' entries at once:
            # their number, and the facets' matches below.
            backend = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
            public = [kernel_search.filter_token("odstate", "active")]
            tokens = [_token(name, value) for name, value in filters]
            entry_ids = backend.entry_ids(backend.match(tokens, public, []))
            count = len(entry_ids)
    if draft_ids:
        visible |= Q(pk__in=draft_ids)
        count += len(draft_ids)
    order = [o for key in sort_keys for o in _SORTS[key][1]]
    if not any(o.lstrip("-").startswith("metadata_") for o in order):
        order.append("pk")  # titles and names tie; the dates' index already orders ties
    if not rows:
        ids: list[uuid.UUID] = []
    elif (
        matched is not None
        and connection.vendor == "sqlite"
        and count > _WALK_DATES_ABOVE
        and not draft_ids
        and all(key.startswith("metadata_") for key in sort_keys)
    ):
        # Many matches: walk the (state, date) index and keep the matches, rather than read
        # every match and sort them (SQLite would; ``+`` keeps it off the primary key).
        inner, inner_params = matched.values("dataset_id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.id FROM opendata_dataset d WHERE d.state = %s "  # noqa: S608
                f"AND +d.id IN ({inner}) ORDER BY "
                f"{', '.join(_SORTS[key][0] for key in sort_keys)} LIMIT %s OFFSET %s",
                [DatasetState.ACTIVE, *inner_params, rows, start],
            )
            ids = [uuid.UUID(str(row[0])) for row in cursor.fetchall()]
    else:
        ids = list(
            Dataset.objects.filter(visible)
            .order_by(*order)
            .values_list("pk", flat=True)[start : start + rows]
        )
    counts: Counter[tuple[str, str]] = Counter()
    if wanted and count:
        if entry_ids is not None:
            counts = _FACETS.counts(entry_ids, wanted)
        else:
            counts = _facet_counts(matched, wanted)
        if draft_ids:
            counts += _draft_counts(draft_ids, wanted)
    return SearchResult(count, ids, {**empty_facets, **_top(counts, wanted, facet_limit)})


def _facet_counts(
    matched: QuerySet[FacetValue] | None, wanted: list[str]
) -> Counter[tuple[str, str]]:
    """Counts of the facet values of the datasets ``matched`` selects (all, when None)."""
    marks = ", ".join(["%s"] * len(wanted))
    if matched is None:
        # Every active dataset: the (field, value, dataset) index alone; the counts only change
        # when a dataset's values are written (new rows, a higher id) or an active dataset is
        # taken out (fewer active datasets), so they are kept under that key.
        # Only what is committed is cached (a transaction's own writes may yet roll back).
        key = "" if connection.in_atomic_block else _everything_key(wanted)
        cached = cache.get(key) if key else None
        if cached is not None:
            return Counter({tuple(k.split("\x1f", 1)): n for k, n in cached.items()})
        sql = (
            "SELECT field, value, count(*) FROM opendata_facetvalue "  # noqa: S608
            f"WHERE field IN ({marks}) GROUP BY field, value"
        )
        params: list[Any] = list(wanted)
    else:
        key = ""
        inner, inner_params = matched.values("dataset_id").query.sql_with_params()
        # The matches drive the join: each looks its values up by its (dataset, field) index.
        # (SQLite keeps the order of a CROSS JOIN; PostgreSQL plans the join itself and allows
        # no ON after CROSS JOIN.)
        join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
        sql = (
            "SELECT v.field, v.value, count(*) FROM ("  # noqa: S608
            f"{inner}) m {join} opendata_facetvalue v ON v.dataset_id = m.dataset_id "
            f"WHERE v.field IN ({marks}) GROUP BY v.field, v.value"
        )
        params = [*inner_params, *wanted]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = Counter({(name, value): int(n) for name, value, n in cursor.fetchall()})
    if key:
        cache.set(key, {f"{k[0]}\x1f{k[1]}": n for k, n in counts.items()}, 3600)
    return counts


def _everything_key(wanted: list[str]) -> str:
    latest = FacetValue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    active = Dataset.objects.filter(state=DatasetState.ACTIVE).count()
    return f"opendata:facets:{latest}:{active}:{','.join(sorted(wanted))}"


def _indexed(
    required: list[str],
    terms: list[Any],
    sort_keys: list[str],
    rows: int,
    start: int,
    wanted: list[str],
    facet_limit: int,
    drafts_of: list[int],
) -> SearchResult:
    backend = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
    visible = [kernel_search.filter_token("odstate", "active")]
    visible += [kernel_search.filter_token("oddraftof", str(p)) for p in drafts_of]
    match = backend.match(required, visible, terms)
    order = [_SORTS[key][0] for key in sort_keys]
    ranked = bool(terms)
    entry_ids: list[int] | None = None
    if wanted and not drafts_of and not connection.in_atomic_block:
        # One look-up in the full-text index for the page and the facets' matches.
        count, ids, entry_ids = backend.page_and_entries(match, order, ranked, rows, start)
    else:
        count, ids = backend.page(match, order, ranked, rows, start)
    counts: Counter[tuple[str, str]] = Counter()
    if entry_ids is not None:
        counts = _FACETS.counts(entry_ids, wanted)
    elif wanted and count:
        public = backend.match(required, visible[:1], terms) if drafts_of else match
        if connection.in_atomic_block:
            counts = backend.facets(public, wanted)
        else:
            counts = _FACETS.counts(backend.entry_ids(public), wanted)
        if drafts_of:
            drafts = [kernel_search.filter_token("oddraftof", str(p)) for p in drafts_of]
            draft_ids = backend.keys(backend.match(required, drafts, terms))
            counts += _draft_counts(draft_ids, wanted)
    return SearchResult(count, [uuid.UUID(i) for i in ids], _top(counts, wanted, facet_limit))


class _Sqlite:
    """FTS5: the MATCH expression, ranked by BM25 (titles weigh ten times the body)."""

    def match(self, required: list[str], visible: list[str], terms: list[Any]) -> str:
        def phrase(text: str, prefix: bool = False) -> str:
            return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")

        parts = [f"terms:{phrase(t)}" for t in required]
        parts.append("(" + " OR ".join(f"terms:{phrase(t)}" for t in visible) + ")")
        parts += [phrase(t.text, t.prefix) for t in terms]
        return " AND ".join(parts)

    def page(
        self, match: str, order: list[str], ranked: bool, rows: int, start: int
    ) -> tuple[int, list[str]]:
        score = f"bm25(kernel_search_fts, {kernel_search.TITLE_WEIGHT}, 1.0)" if ranked else "0"
        needs_dataset = any(order)
        clauses = [o or "h.score" for o in order] + ["h.id"]
        with connection.cursor() as cursor:
            if not needs_dataset:
                # Rank inside the FTS table and read the entries of the page only.
                sql = (
                    f"WITH hits AS MATERIALIZED (SELECT rowid AS id, {score} AS score "  # noqa: S608
                    "FROM kernel_search_fts WHERE kernel_search_fts MATCH %s) "
                    "SELECT e.key, r.total FROM (SELECT h.id, h.score, count(*) OVER () AS total "
                    f"FROM hits h ORDER BY {', '.join(clauses)} LIMIT %s OFFSET %s) r "
                    "JOIN kernel_searchentry e ON e.id = r.id ORDER BY r.score, r.id"
                )
            else:
                sql = (
                    f"WITH hits AS MATERIALIZED (SELECT rowid AS id, {score} AS score "  # noqa: S608
                    "FROM kernel_search_fts WHERE kernel_search_fts MATCH %s) "
                    "SELECT e.key, count(*) OVER () AS total FROM hits h "
                    "CROSS JOIN kernel_searchentry e ON e.id = h.id "
                    "CROSS JOIN opendata_dataset d ON d.id = e.key "
                    f"ORDER BY {', '.join(clauses)} LIMIT %s OFFSET %s"
                )
            cursor.execute(sql, [match, max(rows, 1), start])
            fetched = cursor.fetchall()
            if fetched:
                total = int(fetched[0][1])
            else:
                cursor.execute(
                    "SELECT count(*) FROM kernel_search_fts WHERE kernel_search_fts MATCH %s",
                    [match],
                )
                total = int(cursor.fetchone()[0])
        return total, [row[0] for row in fetched[:rows]]

    def entry_ids(self, match: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM kernel_search_fts WHERE kernel_search_fts MATCH %s", [match]
            )
            return [row[0] for row in cursor.fetchall()]

    def page_and_entries(
        self, match: str, order: list[str], ranked: bool, rows: int, start: int
    ) -> tuple[int, list[str], list[int]]:
        entry_ids = self.entry_ids(match)
        if not entry_ids:
            return 0, [], []
        count, keys = self.page(match, order, ranked, rows, start)
        return count, keys, entry_ids

    def keys(self, match: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.key FROM kernel_search_fts f CROSS JOIN kernel_searchentry e "
                "ON e.id = f.rowid WHERE kernel_search_fts MATCH %s",
                [match],
            )
            return [row[0] for row in cursor.fetchall()]

    def facets(self, match: str, wanted: list[str]) -> Counter[tuple[str, str]]:
        marks = ", ".join(["%s"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                # The matches drive the join: each looks its values up by (dataset, field).
                "SELECT v.field, v.value, count(*) FROM kernel_search_fts f "  # noqa: S608
                "CROSS JOIN kernel_searchentry e ON e.id = f.rowid "
                "CROSS JOIN opendata_facetvalue v ON v.dataset_id = e.key "
                f"WHERE kernel_search_fts MATCH %s AND v.field IN ({marks}) "
                "GROUP BY v.field, v.value",
                [match, *wanted],
            )
            return Counter({(name, value): int(n) for name, value, n in cursor.fetchall()})


class _Postgres:
    """tsvector: the tsquery, ranked by ts_rank of the title vector."""

    def match(self, required: list[str], visible: list[str], terms: list[Any]) -> str:
        def lexeme(text: str, prefix: bool = False) -> str:
            escaped = text.replace("\\", "\\\\").replace("'", "''")
            return f"'{escaped}'" + (":*" if prefix else "")

        parts = [lexeme(t) for t in required]
        parts.append("(" + " | ".join(lexeme(t) for t in visible) + ")")
        parts += [lexeme(t.text, t.prefix) for t in terms]
        query = " & ".join(parts)
        self.ranking = " | ".join(lexeme(t.text) for t in terms) or query
        return query

    def page(
        self, match: str, order: list[str], ranked: bool, rows: int, start: int
    ) -> tuple[int, list[str]]:
        score = "ts_rank(e.title_tsv, r) + 0.001" if ranked else "0.0"
        needs_dataset = any(order)
        clauses = [o or "score DESC" for o in order] + ["e.id"]
        join = "JOIN opendata_dataset d ON d.id = e.key::uuid " if needs_dataset else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.key, count(*) OVER () AS total, {score} AS score "  # noqa: S608
                "FROM kernel_searchentry e "
                f"{join}, CAST(%s AS tsquery) q, CAST(%s AS tsquery) r "
                f"WHERE e.tsv @@ q ORDER BY {', '.join(clauses)} LIMIT %s OFFSET %s",
                [match, self.ranking, max(rows, 1), start],
            )
            fetched = cursor.fetchall()
            if fetched:
                total = int(fetched[0][1])
            else:
                cursor.execute(
                    "SELECT count(*) FROM kernel_searchentry WHERE tsv @@ %s::tsquery", [match]
                )
                total = int(cursor.fetchone()[0])
        return total, [row[0] for row in fetched[:rows]]

    def entry_ids(self, match: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM kernel_searchentry WHERE tsv @@ %s::tsquery", [match])
            return [row[0] for row in cursor.fetchall()]

    def page_and_entries(
        self, match: str, order: list[str], ranked: bool, rows: int, start: int
    ) -> tuple[int, list[str], list[int]]:
        """The page and every match's entry id from one scan of the GIN index: the matches
        are ranked as they are read (only their ids, keys and scores are kept)."""
        score = "ts_rank(e.title_tsv, r) + 0.001" if ranked else "0.0"
        clauses = [o or "m.score DESC" for o in order] + ["m.id"]
        join = "JOIN opendata_dataset d ON d.id = m.key::uuid " if any(order) else ""
        sql = (
            f"WITH m AS MATERIALIZED (SELECT e.id, e.key, {score} AS score "  # noqa: S608
            "FROM kernel_searchentry e, CAST(%s AS tsquery) r WHERE e.tsv @@ CAST(%s AS tsquery)) "
            "SELECT ARRAY(SELECT id FROM m), ARRAY(SELECT m.key FROM m "
            f"{join}ORDER BY {', '.join(clauses)} LIMIT %s OFFSET %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.ranking, match, max(rows, 1), start])
            entry_ids, keys = cursor.fetchone()
        return len(entry_ids), list(keys)[:rows], list(entry_ids)

    def keys(self, match: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM kernel_searchentry WHERE tsv @@ %s::tsquery", [match])
            return [row[0] for row in cursor.fetchall()]

    def facets(self, match: str, wanted: list[str]) -> Counter[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.field, v.value, count(*) FROM kernel_searchentry e "
                "JOIN opendata_facetvalue v ON v.dataset_id = e.key::uuid "
                "WHERE e.tsv @@ %s::tsquery AND v.field = ANY(%s) GROUP BY v.field, v.value",
                [match, wanted],
            )
            return Counter({(name, value): int(n) for name, value, n in cursor.fetchall()})


class _FacetMap:
    """Every active dataset's facet values by the id of its search entry, kept in this
    process, so counting the facets of thousands of matches is a dictionary lookup each (the
    ``GROUP BY`` over their FacetValue rows reads a row per value: 100–300 ms for 5,000
    matches among 100,000 datasets).

    It follows the FacetValue rows: every (re-)index of an active dataset writes all its rows
    anew, so rows with an id above the last one seen name the datasets to read again (a few
    statements after a write; the first search reads them all). Rows deleted leave stale
    values behind only for entries no public search matches any more (removed, or drafts,
    which are counted from their rows). PostgreSQL may commit ids out of order: the rows of
    the last ``_WINDOW`` ids are read again every ``_RECHECK`` seconds. Used outside
    transactions only: inside one, its own writes may yet roll back (the ``GROUP BY`` is
    used there)."""

    _WINDOW = 2000
    _RECHECK = 10.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latest = -1
        self.checked = 0.0
        self.values: dict[str, dict[int, tuple[str, ...]]] = {f: {} for f in FACET_FIELDS}
        self.shared: dict[tuple[str, ...], tuple[str, ...]] = {}

    def counts(self, entry_ids: list[int], wanted: list[str]) -> Counter[tuple[str, str]]:
        self.refresh()
        counts: Counter[tuple[str, str]] = Counter()
        for name in wanted:
            by_entry = self.values[name]
            # all in C: look each entry up, drop the ones without values, count the values
            found = Counter(chain.from_iterable(filter(None, map(by_entry.get, entry_ids))))
            counts.update({(name, value): n for value, n in found.items()})
        return counts

    def refresh(self) -> None:
        latest = FacetValue.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        now = time.monotonic()
        stale = connection.vendor == "postgresql" and now - self.checked >= self._RECHECK
        if latest == self.latest and not stale:
            return
        with self.lock:
            if latest < self.latest:  # the rows were emptied (a new database, a flush)
                self.__init__()  # type: ignore[misc]
            since = self.latest
            # SQLite has one writer at a time: its ids are committed in order.
            recheck = connection.vendor == "postgresql" and now - self.checked >= self._RECHECK
            if since >= 0 and recheck:
                since = max(0, since - self._WINDOW)
            key = "e.key = v.dataset_id"
            if connection.vendor == "postgresql":
                key = "e.key = replace(v.dataset_id::text, '-', '')"
            sql = (
                "SELECT e.id, v.field, v.value FROM opendata_facetvalue v "  # noqa: S608
                f"JOIN kernel_searchentry e ON e.scope = %s AND {key}"
            )
            read: dict[int, dict[str, list[str]]] = {}
            with connection.cursor() as cursor:
                if since < 0:
                    cursor.execute(sql, [SCOPE])
                    found_rows = cursor.fetchall()
                else:
                    # The datasets first, then their rows by the dataset index (as one
                    # statement, PostgreSQL misjudges the few datasets and scans every row).
                    cursor.execute(
                        "SELECT DISTINCT dataset_id FROM opendata_facetvalue WHERE id > %s",
                        [since],
                    )
                    changed = [row[0] for row in cursor.fetchall()]
                    found_rows = []
                    for first in range(0, len(changed), 500):
                        chunk = changed[first : first + 500]
                        marks = ", ".join(["%s"] * len(chunk))
                        cursor.execute(f"{sql} WHERE v.dataset_id IN ({marks})", [SCOPE, *chunk])
                        found_rows.extend(cursor.fetchall())
            for entry_id, name, value in found_rows:
                read.setdefault(entry_id, {}).setdefault(name, []).append(value)
            for entry_id, fields in read.items():
                for name in FACET_FIELDS:
                    values = fields.get(name)
                    if values:
                        found = tuple(sorted(values))
                        self.values[name][entry_id] = self.shared.setdefault(found, found)
                    else:
                        self.values[name].pop(entry_id, None)
            self.latest = max(latest, self.latest)
            self.checked = now


_FACETS = _FacetMap()
