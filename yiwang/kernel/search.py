"""Chinese full-text search shared by every module (catalogue, hotline, open data).

Text is analysed in Python, not by the database: jieba segments Chinese into words (search
mode, so 营业执照 also yields 营业 and 执照), titles also get single characters, full pinyin
and initials (``yyzz`` finds 营业执照) and filters become tokens (``f_region_4201``) so a
query and its filters are one index lookup. The analysed terms are stored in
:class:`~yiwang.kernel.models.SearchEntry`; the database indexes them as they are:

* SQLite: an external-content FTS5 table (``kernel_search_fts``) kept in step by triggers,
  ranked by BM25 with titles weighted ten times the body;
* PostgreSQL: a ``tsvector`` column built by ``array_to_tsvector`` (no parser touches the
  terms, whatever the database's locale), a GIN index, ranked by ``ts_rank``.

A module calls :func:`index` when a document is published, :func:`remove` when it is
withdrawn, and :func:`search` to query one scope.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from yiwang.kernel.models import SearchEntry

TITLE_WEIGHT = 10.0
MAX_QUERY_TERMS = 12
#: Longer "words" (a pasted hash, a run of letters) help no search, and PostgreSQL refuses a
#: lexeme over 2047 bytes: such terms are neither indexed nor looked up.
MAX_TERM_LENGTH = 100
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_FILTER_VALUE = re.compile(r"[^0-9a-z]")

_jieba: Any = None


def _segmenter() -> Any:
    """jieba, loaded once (its dictionary takes about a second to load)."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str, *, for_search: bool = True) -> list[str]:
    """The words of ``text`` (jieba; search mode adds the sub-words of long words)."""
    jieba = _segmenter()
    cut = jieba.cut_for_search if for_search else jieba.cut
    found: list[str] = []
    for chunk in _WORD.findall(_normalise(text)):
        if _CJK.search(chunk):
            found.extend(w for w in cut(chunk) if w.strip())
        else:
            found.append(chunk)
    return found


def pinyin_terms(word: str) -> list[str]:
    """Full pinyin and initials of a Chinese word: 营业执照 → yingyezhizhao, yyzz."""
    from pypinyin import Style, lazy_pinyin

    if not _CJK.search(word):
        return []
    syllables = [s for s in lazy_pinyin(word) if s.isascii() and s.isalnum()]
    initials = [s for s in lazy_pinyin(word, style=Style.FIRST_LETTER) if s.isascii()]
    return [t for t in ("".join(syllables), "".join(initials)) if t]


def filter_token(name: str, value: str) -> str:
    return f"f_{name}_{_FILTER_VALUE.sub('', _normalise(str(value)))}"


def analyse_title(text: str) -> list[str]:
    """Index terms of a title: words, single characters, pinyin and initials."""
    terms: list[str] = []
    for word in words(text):
        terms.append(word)
        terms.extend(pinyin_terms(word))
    # Pinyin of each run of words to the end of its phrase, so initials typed across word
    # boundaries still find the title as a prefix (gtgsh → 个体 工商户 设立登记).
    for chunk in _WORD.findall(_normalise(text)):
        cut = [w for w in _segmenter().cut(chunk) if w.strip()] if _CJK.search(chunk) else []
        for start in range(len(cut) - 1):
            terms.extend(pinyin_terms("".join(cut[start:])))
    terms.extend(ch for ch in _normalise(text) if _CJK.match(ch))
    return _unique(terms)


def analyse_body(text: str) -> list[str]:
    return _unique(words(text))


def _unique(terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in terms if t and len(t) <= MAX_TERM_LENGTH))


def index(
    scope: str,
    key: str,
    *,
    title: str,
    body: str = "",
    keywords: Sequence[str] = (),
    filters: Mapping[str, Iterable[str]] | None = None,
    url: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> SearchEntry:
    """Add or replace one document. ``keywords`` are analysed like the title (with pinyin)
    but weigh as body; ``filters`` maps a filter name to the values the document has (e.g.
    every prefix of its region code)."""
    # Keywords get the title's analysis (pinyin, initials) but count as body: a document
    # named for the query ranks above one that only lists it as a keyword.
    title_terms = analyse_title(title)
    keyword_terms = analyse_title(" ".join(keywords)) if keywords else []
    filter_terms = [
        filter_token(name, value) for name, values in (filters or {}).items() for value in values
    ]
    body_terms = _unique(
        [*keyword_terms, *analyse_body(body), *filter_terms, filter_token("scope", scope)]
    )
    entry, _created = SearchEntry.objects.update_or_create(
        scope=scope,
        key=key,
        defaults={
            "title": title,
            "summary": summary,
            "url": url,
            "data": data or {},
            "title_terms": " ".join(title_terms),
            "terms": " ".join(body_terms),
        },
    )
    return entry


def remove(scope: str, key: str) -> None:
    SearchEntry.objects.filter(scope=scope, key=key).delete()


@dataclass(frozen=True)
class SearchHit:
    key: str
    title: str
    summary: str
    url: str
    data: dict[str, Any]
    score: float


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    #: the query terms actually matched (after falling back to single characters)
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Term:
    text: str
    prefix: bool = False


def query_terms(q: str) -> list[_Term]:
    """A query's terms: Chinese words (jieba, precise mode) and, for Latin letters, pinyin
    or initials matched as prefixes (``yyz`` already finds 营业执照)."""
    normalised = _normalise(q).strip()
    if not normalised:
        return []
    if not _CJK.search(normalised):
        # A prefix of "f_" would match the filter tokens every document has: look "f" up whole.
        latin = _unique(_WORD.findall(normalised))
        return [_Term(t, prefix=not "f_".startswith(t)) for t in latin][:MAX_QUERY_TERMS]
    return [_Term(w) for w in _unique(words(normalised, for_search=False))][:MAX_QUERY_TERMS]


def _character_terms(q: str) -> list[_Term]:
    return [_Term(ch) for ch in _unique(c for c in _normalise(q) if _CJK.match(c))][
        :MAX_QUERY_TERMS
    ]


def search(
    scope: str,
    q: str = "",
    *,
    filters: Mapping[str, str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Documents of ``scope`` matching every term of ``q`` and every filter, best first.

    When no document has all the words of a Chinese query, the query falls back to its
    single characters (so a phrase jieba splits differently still finds something)."""
    required = [_Term(filter_token("scope", scope))] + [
        _Term(filter_token(name, value)) for name, value in (filters or {}).items() if value
    ]
    terms = query_terms(q)
    if (q.strip() and not terms) or any(len(t.text) > MAX_TERM_LENGTH for t in required):
        return SearchPage(total=0)
    page = _run(required, terms, limit, offset)
    if page.total == 0 and terms and not terms[0].prefix:
        chars = _character_terms(q)
        if chars and [t.text for t in chars] != [t.text for t in terms]:
            page = _run(required, chars, limit, offset)
    return page


def _run(required: list[_Term], terms: list[_Term], limit: int, offset: int) -> SearchPage:
    backend = _postgres if connection.vendor == "postgresql" else _sqlite
    total, rows = backend(required, terms, limit, offset)
    hits = [
        SearchHit(
            key=key, title=title, summary=summary, url=url, data=_json(data), score=float(score)
        )
        for key, title, summary, url, data, score in rows
    ]
    return SearchPage(total=total, hits=hits, terms=[t.text for t in terms])


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    import json

    return dict(json.loads(value or "{}"))


_COLUMNS = "e.key, e.title, e.summary, e.url, e.data"


def _fts5_phrase(term: _Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def _sqlite(
    required: list[_Term], terms: list[_Term], limit: int, offset: int
) -> tuple[int, list[Any]]:
    parts = [f"terms:{_fts5_phrase(t)}" for t in required]
    parts += [_fts5_phrase(t) for t in terms]
    match = " AND ".join(parts)
    # Rank inside the FTS table, counting in the same pass, and join only the page's rows:
    # a broad query (every document lists 身份证明 among its materials) matches thousands,
    # and reading anything of the content table for each of them would cost more than the
    # ranking itself. BM25 already favours short documents; without words there is nothing
    # to rank, and the newest documents come first.
    order = f"bm25(kernel_search_fts, {TITLE_WEIGHT}, 1.0)" if terms else "-rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            # Only module constants are formatted in; the query travels as a parameter.
            f"WITH hits AS MATERIALIZED (SELECT rowid AS id, {order} AS score "  # noqa: S608
            "FROM kernel_search_fts WHERE kernel_search_fts MATCH %s) "
            f"SELECT {_COLUMNS}, r.score, r.total FROM ("
            "SELECT id, score, count(*) OVER () AS total FROM hits "
            "ORDER BY score LIMIT %s OFFSET %s"
            ") r JOIN kernel_searchentry e ON e.id = r.id ORDER BY r.score, length(e.title)",
            [match, limit, offset],
        )
        fetched = cursor.fetchall()
        if fetched:
            total = int(fetched[0][6])
        else:  # past the last page (or nothing at all): count on its own
            cursor.execute(
                "SELECT count(*) FROM kernel_search_fts WHERE kernel_search_fts MATCH %s",
                [match],
            )
            total = int(cursor.fetchone()[0])
    # bm25() is lower for better matches; present higher-is-better scores.
    rows = [(*row[:5], -row[5] if terms else 0.0) for row in fetched]
    return total, rows


def _tsquery_lexeme(term: _Term) -> str:
    escaped = term.text.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'" + (":*" if term.prefix else "")


def _postgres(
    required: list[_Term], terms: list[_Term], limit: int, offset: int
) -> tuple[int, list[Any]]:
    query = " & ".join(_tsquery_lexeme(t) for t in [*required, *terms])
    # Rank by the words of the query only: the filter tokens every hit shares add nothing.
    # A prefix ranks as the whole word: yyzz:* would also count the phrase pinyin of a longer
    # title (yyzzzxdj) and put 营业执照注销登记 above 营业执照. Every hit gets the same small
    # floor, so one found by a prefix alone still scores above zero.
    ranking = " | ".join(_tsquery_lexeme(_Term(t.text)) for t in terms) or query
    # Rank on the small title vector: title matches first, by ts_rank; then the rest by title
    # length. Without words, titles by length alone. Ranking and counting are one pass over
    # the matches, and only the page's rows are read whole.
    score = "ts_rank(title_tsv, r) + 0.001" if terms else "0.0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS}, h.score, h.total FROM ("  # noqa: S608
            f"SELECT id, {score} AS score, length(title) AS size, key, "
            "count(*) OVER () AS total "
            "FROM kernel_searchentry, CAST(%s AS tsquery) q, CAST(%s AS tsquery) r "
            "WHERE tsv @@ q ORDER BY score DESC, size, key LIMIT %s OFFSET %s"
            ") h JOIN kernel_searchentry e ON e.id = h.id ORDER BY h.score DESC, h.size, h.key",
            [query, ranking, limit, offset],
        )
        fetched = cursor.fetchall()
        if fetched:
            total = int(fetched[0][6])
        else:  # past the last page (or nothing at all): count on its own
            cursor.execute(
                "SELECT count(*) FROM kernel_searchentry WHERE tsv @@ %s::tsquery", [query]
            )
            total = int(cursor.fetchone()[0])
        rows = [row[:6] for row in fetched]
    return total, rows


# --- schema: installed by migration kernel 0005 -------------------------------------------

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE kernel_search_fts USING fts5("
    "title_terms, terms, content='kernel_searchentry', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\", prefix='2 3 4')",
    "CREATE TRIGGER kernel_search_ai AFTER INSERT ON kernel_searchentry BEGIN "
    "INSERT INTO kernel_search_fts(rowid, title_terms, terms) "
    "VALUES (new.id, new.title_terms, new.terms); END",
    "CREATE TRIGGER kernel_search_ad AFTER DELETE ON kernel_searchentry BEGIN "
    "INSERT INTO kernel_search_fts(kernel_search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); END",
    "CREATE TRIGGER kernel_search_au AFTER UPDATE ON kernel_searchentry BEGIN "
    "INSERT INTO kernel_search_fts(kernel_search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); "
    "INSERT INTO kernel_search_fts(rowid, title_terms, terms) "
    "VALUES (new.id, new.title_terms, new.terms); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kernel_search_ai",
    "DROP TRIGGER IF EXISTS kernel_search_ad",
    "DROP TRIGGER IF EXISTS kernel_search_au",
    "DROP TABLE IF EXISTS kernel_search_fts",
]


def _pg_positions(column: str, weight: str) -> str:
    # Terms only ever hold [0-9a-z_] and CJK characters (see ``_WORD``), so quoting them as
    # tsvector lexemes needs no escaping; positions let ts_rank weigh frequency and nearness.
    return (
        "coalesce((SELECT string_agg(chr(39) || t || chr(39) || ':' || n || '"  # noqa: S608
        + weight
        + "', ' ') FROM unnest(array_remove(string_to_array("
        + column
        + ", ' '), '')) WITH ORDINALITY AS x(t, n) WHERE n < 16384), '')::tsvector"
    )


# Two vectors: ``title_tsv`` (title terms with positions) ranks; ``tsv`` (every term, without
# positions: the smallest form, mostly kept in the row itself) matches. A broad query checks
# ``tsv`` of thousands of rows, so its size is what such a query costs.
_PG_TITLE = _pg_positions("new.title_terms", "A")
_PG_VECTOR = (
    "array_to_tsvector(array_remove(string_to_array(new.title_terms || ' ' || new.terms, ' '), ''))"
)
POSTGRES_SCHEMA = [
    "ALTER TABLE kernel_searchentry ADD COLUMN tsv tsvector, ADD COLUMN title_tsv tsvector",
    "CREATE FUNCTION kernel_search_tsv() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"new.tsv := {_PG_VECTOR}; new.title_tsv := {_PG_TITLE}; RETURN new; END $$",
    "CREATE TRIGGER kernel_search_tsv BEFORE INSERT OR UPDATE ON kernel_searchentry "
    "FOR EACH ROW EXECUTE FUNCTION kernel_search_tsv()",
    "CREATE INDEX kernel_search_tsv_gin ON kernel_searchentry USING gin (tsv)",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS kernel_search_tsv ON kernel_searchentry",
    "DROP FUNCTION IF EXISTS kernel_search_tsv()",
    "DROP INDEX IF EXISTS kernel_search_tsv_gin",
    "ALTER TABLE kernel_searchentry DROP COLUMN IF EXISTS tsv",
    "ALTER TABLE kernel_searchentry DROP COLUMN IF EXISTS title_tsv",
]


def install_schema(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_SCHEMA, "postgresql": POSTGRES_SCHEMA}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_schema(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)
