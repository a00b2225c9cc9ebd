"""Two real nodes — the province (42) and a city (4201) — in their own processes, databases
and data dirs on loopback, exchanging signed messages."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exchange.nodes import Node, peer_up

PROVINCE_SETUP = r"""
import json, datetime as dt
from yiwang.kernel.models import Region, Department, BasePerson
from yiwang.exchange.models import DataResource, DataField, Mount
hb = Region.objects.create(code="42", name="湖北省", level="province")
wh = Region.objects.create(code="4201", name="武汉市", level="city", parent=hb)
ga = Department.objects.create(code="42-GA", name="湖北省公安厅", region=hb)
r = DataResource.objects.create(code="RK-001", classification="1", name="人口基础信息",
    provider=ga, abstract="人口", format="数据库", share_type="conditional",
    open_type="not_open", update_cycle="daily", status="published", share_methods=["api"])
for i, (n, t, p) in enumerate([("id_number", "身份证号", True), ("name", "姓名", True),
                                ("household_region", "户籍地", False)]):
    DataField.objects.create(resource=r, name=n, title=t, type="string", personal=p,
                             authoritative_source="42-GA", position=i)
Mount.objects.create(resource=r, kind="table", source="population", key_field="id_number")
for name, idn, region in [("张伟", "%(a)s", "420106"), ("李娜", "%(b)s", "420102"),
                          ("王芳", "%(c)s", "420502")]:
    BasePerson.objects.create(name=name, id_number=idn, household_region=region)
print(json.dumps({"ok": True}))
"""

CITY_SETUP = r"""
import json
from yiwang.kernel.models import Region, Department
from yiwang.exchange.models import ConsumerApp
from yiwang.exchange.services_sharing import _key_hash
hb = Region.objects.create(code="42", name="湖北省", level="province")
wh = Region.objects.create(code="4201", name="武汉市", level="city", parent=hb)
rs = Department.objects.create(code="4201-RS", name="武汉市人社局", region=wh)
ConsumerApp.objects.create(department=rs, name="社保经办", api_key_prefix="app1",
                           api_key_hash=_key_hash("ywk_app1_s3cret"))
print(json.dumps({"ok": True}))
"""


def id_number(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


IDS = {
    "a": id_number("42010619900101001"),
    "b": id_number("42010219850505002"),
    "c": id_number("42050219700707003"),
}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    province = Node("42", Path(tmp_path_factory.mktemp("node42")))
    city = Node("4201", Path(tmp_path_factory.mktemp("node4201")))
    try:
        province.start()
        city.start()
        peer_up(province, city, b_is_parent=False)
        peer_up(city, province, b_is_parent=True)
        assert province.shell(PROVINCE_SETUP % IDS) == {"ok": True}
        assert city.shell(CITY_SETUP) == {"ok": True}
        yield province, city
    finally:
        city.stop()
        province.stop()


def test_catalogue_cascades_to_the_city(nodes: tuple[Node, Node]) -> None:
    province, city = nodes
    province.yiwang("exchange", "cascade-catalog", "--peer", "4201")
    copy = city.shell(
        "import json; from yiwang.exchange.models import DataResource as R; r=R.objects.get("
        "code='RK-001'); print(json.dumps([r.origin_node, r.provider.code, "
        "sorted(r.fields.values_list('name', flat=True))]))"
    )
    assert copy == ["42", "42-GA", ["household_region", "id_number", "name"]]


def _request_and_approve(province: Node, city: Node) -> tuple[str, list[object]]:
    """The city's social-security bureau asks for the province's population resource and the
    province approves it: (the request's status at the city, what the province recorded)."""
    province.yiwang("exchange", "cascade-catalog", "--peer", "4201")
    status = city.shell(
        "import json; from yiwang.kernel.models import Department; "
        "from yiwang.exchange.cascade_kinds import request_remote_share as r; "
        "q=r(actor='test', consumer=Department.objects.get(code='4201-RS'), "
        "resource_code='RK-001', fields=['id_number','name','household_region'], "
        "purpose='社保待遇核验', legal_basis='社会保险法'); print(json.dumps(q.status))"
    )
    at_province = province.shell(
        "import json; from yiwang.exchange import services; "
        "from yiwang.exchange.models import ShareRequest as S; "
        "q=S.objects.get(origin_node='4201'); "
        "services.approve(actor='test', request=q, personal_unmasked=True); "
        "print(json.dumps([q.consumer.code, q.consumer.region_id, q.remote_ref, q.pk]))"
    )
    return status, at_province


def _granted(province: Node, city: Node) -> None:
    """The grant the earlier test made, made here when this test runs on nodes of its own
    (pytest-xdist may start another pair of nodes for some of this module's tests)."""
    held = city.shell(
        "import json; from yiwang.exchange.models import ShareGrant as G; "
        "print(json.dumps(G.objects.filter(resource__code='RK-001').exists()))"
    )
    if not held:
        _request_and_approve(province, city)


def test_city_request_is_decided_at_the_province_and_the_grant_shows_at_the_city(
    nodes: tuple[Node, Node],
) -> None:
    province, city = nodes
    status, at_province = _request_and_approve(province, city)
    assert status == "pending"
    assert at_province[:2] == ["4201-RS", "4201"]
    grant = city.shell(
        "import json; from yiwang.exchange.models import ShareGrant as G; "
        "g=G.objects.get(resource__code='RK-001'); "
        "print(json.dumps([g.consumer.code, g.request.status, g.fields, g.request.pk, "
        "g.request.remote_ref]))"
    )
    assert grant[:3] == ["4201-RS", "approved", ["id_number", "name", "household_region"]]
    assert [str(grant[3]), grant[4]] == [at_province[2], str(at_province[3])]


def test_publish_and_withdraw_cascade_by_themselves(nodes: tuple[Node, Node]) -> None:
    province, city = nodes
    province.shell(
        "import json; from yiwang.exchange import services; "
        "from yiwang.kernel.models import Department as D; "
        "from yiwang.exchange.models import DataResource as R, DataField as F; "
        "r=R.objects.create(code='FR-002', classification='2', name='法人基础信息', "
        "provider=D.objects.get(code='42-GA'), abstract='法人', format='数据库', "
        "share_type='unconditional', open_type='not_open', update_cycle='daily', "
        "share_methods=['api']); "
        "F.objects.create(resource=r, name='credit_code', title='统一社会信用代码', "
        "type='string', authoritative_source='42-GA'); "
        "services.publish_resource(actor='test', resource=r); print(json.dumps(1))"
    )
    copy = "import json; from yiwang.exchange.models import DataResource as R; " + (
        "r=R.objects.filter(code='FR-002').first(); "
        "print(json.dumps(r and [r.origin_node, r.status]))"
    )
    assert city.shell(copy) == ["42", "published"]
    province.shell(
        "import json; from yiwang.exchange import services; "
        "from yiwang.exchange.models import DataResource as R; "
        "services.withdraw_resource(actor='test', resource=R.objects.get(code='FR-002'), "
        "reason='停止提供'); print(json.dumps(1))"
    )
    assert city.shell(copy) == ["42", "withdrawn"]


def test_city_app_gets_province_data_through_its_node(nodes: tuple[Node, Node]) -> None:
    province, city = nodes
    _granted(province, city)
    # The ordinary data URL: the city's gateway forwards a province resource's call.
    query = urllib.parse.urlencode({"key": IDS["a"], "fields": "name", "purpose": "核验"})
    answer = city.get(f"/api/v1/exchange/data/RK-001?{query}", {"X-Api-Key": "ywk_app1_s3cret"})
    assert answer["records"] == [{"name": "张伟"}]
    logged = "import json; from yiwang.exchange.models import CallLogEntry as C; " + (
        "print(json.dumps([[c.node, c.outcome] for c in C.objects.all()]))"
    )
    assert ["4201", "ok"] in province.shell(logged)
    assert ["42", "ok"] in city.shell(logged)


def test_backflow_delivers_the_city_rows(nodes: tuple[Node, Node]) -> None:
    province, city = nodes
    _granted(province, city)
    # The city's own register already holds one of them: backflow never overwrites it.
    city.shell(
        "import json; from yiwang.kernel.models import BasePerson as P; "
        f"P.objects.create(name='李娜(市库)', id_number='{IDS['b']}', "
        "household_region='420102'); print(json.dumps(1))"
    )
    out = province.yiwang("exchange", "backflow", "--peer", "4201", "--resource", "RK-001")
    assert "2 rows" in out
    rows = city.shell(
        "import json; from yiwang.kernel.models import BasePerson as P; print(json.dumps("
        "sorted([p.name, p.household_region, p.origin_node] for p in P.objects.all())))"
    )
    assert rows == [["张伟", "420106", "42"], ["李娜(市库)", "420102", ""]]


def _sealed_by_city(city: Node, kind: str, body: dict[str, object]) -> dict[str, object]:
    code = (
        "import json; from yiwang.exchange.cascade import seal; "
        f"print(json.dumps(seal('42', {kind!r}, {body!r}), ensure_ascii=False))"
    )
    return dict(city.shell(code))


def test_tampered_and_replayed_messages_are_refused_and_logged(
    nodes: tuple[Node, Node],
) -> None:
    province, city = nodes
    inbox = "/api/v1/exchange/nodes/inbox"
    envelope = _sealed_by_city(city, "share.decision", {"resource": "none"})
    tampered = {**envelope, "body": {"resource": "RK-001"}}
    status, answer = province.post(inbox, tampered)
    assert (status, answer["code"]) == (403, "exchange_message_signature_invalid")

    fresh = _sealed_by_city(city, "share.decision", {"resource": "none"})
    assert province.post(inbox, fresh)[0] == 200
    status, answer = province.post(inbox, fresh)
    assert (status, answer["code"]) == (409, "exchange_message_replayed")

    logged = province.shell(
        "import json; from yiwang.exchange.models import NodeMessage as M; "
        "from yiwang.kernel.models import AuditEntry as A; print(json.dumps(["
        "list(M.objects.filter(outcome='exchange_message_signature_invalid')"
        ".values_list('kind', flat=True)),"
        "A.objects.filter(action='exchange.node_message_refused').count()]))"
    )
    assert logged[0] == ["share.decision"]
    assert logged[1] >= 2
    assert json.dumps(envelope)  # the genuine envelope stays intact
