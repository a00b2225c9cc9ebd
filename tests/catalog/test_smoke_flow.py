from typing import Any

import pytest

from yiwang.catalog import services
from yiwang.kernel import search


@pytest.mark.django_db
def test_publish_and_search(published: Any, catalog_editor: Any, reviewer: Any) -> None:
    assert published.current.number == 1
    page = search.search("catalog", "yyzz")
    assert page.total == 0  # title is 个体工商户设立登记
    page = search.search("catalog", "个体工商户")
    assert [h.key for h in page.hits] == [published.code]
    v2 = services.revise(actor=catalog_editor, implementation=published)
    assert v2.number == 2 and v2.status == "draft"
    assert services.consistency_report(actor=reviewer) == []
