"""The shared Chinese search: words, sub-words, pinyin and initials, filters, ranking, updates,
and the promise that no query, however odd, makes it fail (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.kernel import search
from yiwang.kernel.models import SearchEntry

pytestmark = pytest.mark.django_db

SCOPE = "test"

WUCHANG = ["42", "4201", "420106"]  # 湖北省 → 武汉市 → 武昌区
XILING = ["42", "4205", "420502"]  # 湖北省 → 宜昌市 → 西陵区


def add(key: str, title: str, body: str = "", *, scope: str = SCOPE, **filters: list[str]) -> None:
    search.index(
        scope,
        key,
        title=title,
        body=body,
        filters=filters,
        url=f"/services/{key}/",
        summary=body[:20],
        data={"key": key, "部门": "市场监管局"},
    )


def keys(q: str = "", *, scope: str = SCOPE, **filters: str) -> list[str]:
    return [hit.key for hit in search.search(scope, q, filters=filters).hits]


@pytest.fixture
def catalogue() -> None:
    """A few implementations in two counties, and some other documents around them."""
    add("licence-wc", "营业执照", "经营者身份证明 经营场所使用证明", region=WUCHANG, dept=["7"])
    add("licence-xl", "营业执照", "经营者身份证明", region=XILING, dept=["9"])
    add("lost", "营业执照遗失补办", "遗失声明", region=WUCHANG, dept=["7"])
    add("food", "食品经营许可证核发", "营业执照复印件 食品安全管理制度", region=WUCHANG, dept=["7"])
    add("property", "不动产登记", "不动产权籍调查成果", region=XILING, dept=["11"])
    add("birth", "出生医学证明办理", "新生儿父母身份证", region=WUCHANG, dept=["12"])
    add("marriage", "结婚登记", "户口簿 身份证", region=XILING, dept=["13"])


# --- words -----------------------------------------------------------------------------


def test_search_mode_words_include_the_sub_words_of_long_words() -> None:
    assert {"营业", "执照", "营业执照"} <= set(search.words("营业执照"))
    assert "营业" not in search.words("营业执照", for_search=False)


def test_pinyin_terms_are_the_full_pinyin_and_the_initials() -> None:
    assert search.pinyin_terms("营业执照") == ["yingyezhizhao", "yyzz"]
    assert search.pinyin_terms("abc") == []


def test_a_chinese_word_of_the_title_finds_the_document(catalogue: None) -> None:
    assert keys("不动产登记") == ["property"]
    assert keys("出生医学证明") == ["birth"]


def test_a_sub_word_finds_the_document_that_has_the_long_word(catalogue: None) -> None:
    assert set(keys("执照")) == {"licence-wc", "licence-xl", "lost", "food"}
    assert "property" in keys("不动产")
    assert keys("动产") == ["property"]


def test_a_word_of_the_body_finds_the_document(catalogue: None) -> None:
    assert keys("遗失声明") == ["lost"]
    assert keys("户口簿") == ["marriage"]


def test_every_word_of_the_query_must_be_found(catalogue: None) -> None:
    assert keys("营业执照 遗失") == ["lost"]
    assert keys("身份证明 场所") == ["licence-wc"]


@pytest.mark.parametrize(
    "q", ["yyzz", "yyz", "yingye", "yingyezhizhao", "YYZZ", "ＹＹＺＺ", " yyzz "]
)
def test_pinyin_and_initials_find_the_title_by_prefix(catalogue: None, q: str) -> None:
    assert set(keys(q)) == {"licence-wc", "licence-xl", "lost"}


def test_initials_typed_across_word_boundaries_find_the_title(catalogue: None) -> None:
    assert keys("bdcdj") == ["property"]
    assert keys("yyzzys") == ["lost"]
    assert keys("chushengyixue") == ["birth"]


def test_several_pinyin_words_must_all_match(catalogue: None) -> None:
    assert keys("yyzz yishi") == ["lost"]
    assert keys("yyzz budongchan") == []


def test_pinyin_is_not_made_for_the_body(catalogue: None) -> None:
    # 遗失声明 is only in a body: its initials find nothing.
    assert keys("yssm") == []


def test_the_single_letter_f_does_not_match_every_filter_token(catalogue: None) -> None:
    # Filter tokens are stored as ``f_<name>_<value>``: a prefix query "f" must not reach them.
    assert keys("f") == []


def test_unknown_words_find_nothing(catalogue: None) -> None:
    assert keys("航空器适航证") == []
    assert keys("zzzzzz") == []


def test_a_query_falls_back_to_single_characters_when_no_document_has_its_words(
    catalogue: None,
) -> None:
    # jieba reads 医生 as one word, which no title has; its characters are in 出生医学证明.
    page = search.search(SCOPE, "医生")
    assert [hit.key for hit in page.hits] == ["birth"]
    assert page.terms == ["医", "生"]


def test_the_fallback_still_needs_every_character(catalogue: None) -> None:
    assert keys("医鸟") == []


def test_found_documents_carry_what_was_indexed(catalogue: None) -> None:
    (hit,) = search.search(SCOPE, "遗失").hits
    assert hit.key == "lost"
    assert hit.title == "营业执照遗失补办"
    assert hit.url == "/services/lost/"
    assert hit.summary == "遗失声明"
    assert hit.data == {"key": "lost", "部门": "市场监管局"}
    assert hit.score > 0


def test_keywords_are_searchable_like_the_title_with_pinyin() -> None:
    search.index(SCOPE, "k", title="个体工商户设立登记", keywords=["000105001000", "市场监管局"])
    assert keys("000105") == ["k"]
    assert keys("市场监管") == ["k"]
    assert keys("shichang") == ["k"]


# --- filters and scopes ------------------------------------------------------------------


def test_a_region_filter_finds_everything_below_the_region(catalogue: None) -> None:
    everything = keys()
    assert len(everything) == 7
    assert keys(region="42") == everything
    assert set(keys(region="4201")) == {"licence-wc", "lost", "food", "birth"}
    assert set(keys(region="420502")) == {"licence-xl", "property", "marriage"}
    assert keys(region="4202") == []


def test_filters_combine_with_words_and_with_each_other(catalogue: None) -> None:
    assert keys("营业执照", region="4205") == ["licence-xl"]
    assert keys("yyzz", region="420106", dept="7") == ["licence-wc", "lost"]
    assert keys("登记", dept="13") == ["marriage"]
    assert keys("营业执照", region="4205", dept="7") == []


def test_an_empty_filter_value_is_ignored(catalogue: None) -> None:
    assert keys("营业执照", region="", dept="") == keys("营业执照")


def test_an_empty_query_lists_what_the_filters_select(catalogue: None) -> None:
    page = search.search(SCOPE, "", filters={"region": "4205"})
    assert page.total == 3
    assert {hit.key for hit in page.hits} == {"licence-xl", "property", "marriage"}
    assert page.terms == []


def test_a_whitespace_query_is_an_empty_query(catalogue: None) -> None:
    assert keys(" \t\u3000 ", region="4205") == keys("", region="4205")


def test_a_search_sees_only_its_own_scope(catalogue: None) -> None:
    add("licence-wc", "营业执照", scope="hotline", region=WUCHANG)
    add("answer", "营业执照怎么办", scope="hotline", region=WUCHANG)
    assert keys("营业执照", scope="hotline") == ["licence-wc", "answer"]
    assert "answer" not in keys("营业执照")
    assert keys(scope="opendata") == []


def test_removing_a_document_of_one_scope_keeps_the_same_key_of_another(catalogue: None) -> None:
    add("licence-wc", "营业执照", scope="hotline")
    search.remove("hotline", "licence-wc")
    assert keys("营业执照", scope="hotline") == []
    assert "licence-wc" in keys("营业执照")


def test_pages_are_cut_by_limit_and_offset_with_the_total_of_all(catalogue: None) -> None:
    first = search.search(SCOPE, "", limit=3)
    second = search.search(SCOPE, "", limit=3, offset=3)
    last = search.search(SCOPE, "", limit=3, offset=6)
    assert (first.total, second.total, last.total) == (7, 7, 7)
    assert (len(first.hits), len(second.hits), len(last.hits)) == (3, 3, 1)
    listed = [h.key for page in (first, second, last) for h in page.hits]
    assert sorted(listed) == sorted(keys())


# --- ranking -------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_body_only_match(catalogue: None) -> None:
    add("body-only", "企业开办", "营业执照 营业执照 营业执照")
    found = keys("营业执照")
    assert found.index("body-only") > found.index("lost")
    assert found[-2:] == ["food", "body-only"] or found[-2:] == ["body-only", "food"]


def test_the_shorter_exact_title_comes_first() -> None:
    add("long", "营业执照注销登记")
    add("longer", "营业执照遗失补办申请")
    add("exact", "营业执照")
    assert keys("营业执照")[0] == "exact"
    assert keys("yyzz")[0] == "exact"


def test_equal_matches_are_listed_in_a_stable_order(catalogue: None) -> None:
    assert keys("营业执照") == keys("营业执照")
    assert set(keys("营业执照")[:2]) == {"licence-wc", "licence-xl"}


# --- updates and removal -------------------------------------------------------------


def test_indexing_a_key_again_replaces_the_document(catalogue: None) -> None:
    add("lost", "营业执照注销登记", "清算报告", region=XILING)
    assert SearchEntry.objects.filter(scope=SCOPE, key="lost").count() == 1
    assert keys("遗失") == []
    assert keys("遗失声明") == []
    assert keys("注销") == ["lost"]
    assert keys("清算报告") == ["lost"]
    assert "lost" not in keys(region="4201")
    assert "lost" in keys(region="4205")


def test_a_removed_document_is_no_longer_found(catalogue: None) -> None:
    search.remove(SCOPE, "property")
    assert keys("不动产") == []
    assert keys("bdc") == []
    assert not SearchEntry.objects.filter(scope=SCOPE, key="property").exists()
    assert len(keys()) == 6


def test_removing_an_unknown_document_does_nothing(catalogue: None) -> None:
    search.remove(SCOPE, "nothing-here")
    assert len(keys()) == 7


# --- odd input ---------------------------------------------------------------------------

ODD_QUERIES = [
    '"',
    "'",
    "'\"",
    '营业"执照',
    "营业'执照",
    "\\",
    "\\\\'",
    "yyzz\\",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(营业 执照)",
    "营业执照 AND 遗失",
    "营业执照 OR 不动产",
    "NOT 营业执照",
    "*",
    "yyz*",
    "营业*",
    "^",
    "^营业执照",
    "title_terms:yyzz",
    "terms:f_region_42",
    "f_scope_test",
    "{title_terms terms}: yyzz",
    "-营业执照",
    "+yyzz",
    "yyzz:*",
    "'yyzz':* | 'bdc'",
    "!营业执照",
    "(营业执照",
    ")",
    "&",
    "|",
    "<->",
    "%",
    "_",
    "营业执照%",
    "'; DROP TABLE kernel_searchentry; --",
    "1 OR 1=1",
    '" OR ""="',
    "营业执照' --",
    "😀",
    "营业执照😀",
    "👨‍👩‍👧",
    "\x00",
    "营业\x00执照",
    "\u200b",
    "\ufeff营业执照",
    "　",
    " \t\n ",
    "ＹＹＺＺ",
    "ｙｙｚｚ　ｂｄｃ",
    "营业执照" * 500,
    "a" * 5000,
    "营" * 3000,
    " ".join(["yyzz"] * 200),
    "𠀀𪚥",
    "①②③",
    "İstanbul",
    "ß",
    "\u0301",
    "é",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("q", ODD_QUERIES, ids=[repr(q)[:24] for q in ODD_QUERIES])
def test_an_odd_query_answers_results_or_nothing(catalogue: None, q: str) -> None:
    page = search.search(SCOPE, q, limit=5)
    assert 0 <= len(page.hits) <= min(page.total, 5)
    assert SearchEntry.objects.filter(scope=SCOPE).count() == 7


@pytest.mark.parametrize(
    "value", ["'", '"', "\\", "42' OR '1'='1", "4201*", "f", "", " ", "营业执照", "x" * 5000]
)
def test_an_odd_filter_value_answers_results_or_nothing(catalogue: None, value: str) -> None:
    page = search.search(SCOPE, "营业执照", filters={"region": value, "dept": value})
    assert len(page.hits) == page.total <= 4


def test_an_fts_operator_is_looked_up_as_a_word_not_obeyed(catalogue: None) -> None:
    assert keys("营业执照 OR 不动产") == []  # no title has both
    assert "licence-wc" in keys("NOT 营业执照")  # excludes nothing
    assert keys("NEAR(yyzz bdc)") == []


def test_punctuation_does_not_stop_a_pinyin_prefix(catalogue: None) -> None:
    assert keys("yyz*") == keys("yyz") == keys("yyz?") == keys("'yyz'")
    assert keys("yyzz\tyishi") == keys("yyzz yishi") == ["lost"]


def test_quotes_and_punctuation_around_words_are_ignored(catalogue: None) -> None:
    assert keys('"营业执照"') == keys("营业执照")
    assert keys("'不动产'!") == ["property"]


def test_a_very_long_word_is_neither_indexed_nor_looked_up() -> None:
    add("hash", "证明", "a" * 3000 + " 材料")
    assert keys("材料") == ["hash"]
    assert keys("a" * 3000) == []
    assert keys("证明 " + "a" * 3000) == ["hash"]


ODD_PIECES = [
    *"营业执照不动产登记 yzbYZB\"'\\*^:-+()&|!<>%_{}\t\n\u3000ＹＺ😀\x00",
    *["AND", "OR", "NOT", "NEAR", "f_scope_", "terms:", "yyz", "'':*"],
]
ODD_TEXT = st.lists(st.sampled_from(ODD_PIECES), max_size=30).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(q=st.one_of(st.text(max_size=200), ODD_TEXT), region=st.one_of(st.just(""), st.text()))
def test_any_text_searches_without_error(catalogue: None, q: str, region: str) -> None:
    with transaction.atomic():  # a database error would surface here, not poison the next
        page = search.search(SCOPE, q, filters={"region": region}, limit=3)
    assert 0 <= len(page.hits) <= min(page.total, 3)


# Text a title can hold (PostgreSQL text cannot hold NUL; no control characters in titles).
TITLE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
) | st.text(
    alphabet=st.sampled_from(list("营业执照遗失补办不动产登记出生医学证明 yzYZ0-9")), min_size=1
)


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=TITLE_TEXT)
def test_a_document_is_found_by_its_own_title(catalogue: None, title: str) -> None:
    with transaction.atomic():
        search.index(SCOPE, "any", title=title)
        found = search.search(SCOPE, title, limit=50)
        search.remove(SCOPE, "any")
    if search.query_terms(title):
        assert "any" in [hit.key for hit in found.hits]
    else:
        assert found.total == 0 or not title.strip()
