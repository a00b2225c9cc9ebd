"""Legal entities bound to their representative, agents (经办人) and acting for an entity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.access import check_access
from tests.factories import AccountFactory
from yiwang.identity.models import Delegation, EntityBinding
from yiwang.identity.services import (
    ACTING_FOR_KEY,
    agent_scope,
    bind_entity,
    delegate_agent,
    revoke_delegation,
    verify_real_name,
)
from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, load_base_data
from yiwang.kernel.demo import person_id_number as pid
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

CREDIT_CODE = demo_credit_code(ENTITIES[0][0])  # 张伟 is its representative
OTHER_CODE = demo_credit_code(ENTITIES[1][0])  # 王芳's
BASE = "/api/v1/identity"


@pytest.fixture(autouse=True)
def _base_data(db: None) -> None:
    cache.clear()
    load_base_data(lambda *_: None)


def verified(username: str, person: int, mobile: str) -> Any:
    account = AccountFactory(username=username, mobile=mobile)
    name, birth, seq = PERSONS[person]
    return verify_real_name(actor="test", account=account, name=name, id_number=pid(birth, seq))


@pytest.fixture
def zhang(db: None) -> Any:
    return verified("zhang", 0, "13700000001")


@pytest.fixture
def wang(db: None) -> Any:
    return verified("wang", 1, "13700000002")


@pytest.fixture
def li(db: None) -> Any:
    return verified("li", 2, "13700000003")


@pytest.fixture
def entity(zhang: Any) -> EntityBinding:
    return bind_entity(actor=zhang, account=zhang, credit_code=CREDIT_CODE)


def in_a_year() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=365)


def as_user(account: Any) -> Client:
    client = Client()
    client.force_login(account)
    return client


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data, content_type="application/json")


# ---- Binding ------------------------------------------------------------------------------


def test_only_the_representative_binds_the_entity(zhang: Any, li: Any) -> None:
    # (not check_access: a refused binding is audited on purpose)
    anonymous = post(Client(), f"{BASE}/entities", {"credit_code": CREDIT_CODE})
    assert anonymous.status_code == 401

    refused = post(as_user(li), f"{BASE}/entities", {"credit_code": CREDIT_CODE})
    assert refused.status_code == 400
    assert refused.json()["code"] == "entity_mismatch"
    assert not EntityBinding.objects.exists()
    assert AuditEntry.objects.filter(action="identity.entity_binding_refused").count() == 1

    response = post(as_user(zhang), f"{BASE}/entities", {"credit_code": CREDIT_CODE})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == ENTITIES[0][1]
    assert EntityBinding.objects.get().representative == zhang
    assert AuditEntry.objects.filter(action="identity.entity_bound").count() == 1


def test_binding_needs_real_name(citizen: Any) -> None:
    response = post(as_user(citizen), f"{BASE}/entities", {"credit_code": CREDIT_CODE})

    assert response.status_code == 403
    assert response.json()["code"] == "verification_required"
    assert not EntityBinding.objects.exists()


def test_a_bad_credit_code_is_refused(zhang: Any) -> None:
    bad = CREDIT_CODE[:-1] + ("0" if CREDIT_CODE[-1] != "0" else "1")

    response = post(as_user(zhang), f"{BASE}/entities", {"credit_code": bad})

    assert response.status_code == 400
    assert response.json()["code"] == "credit_code_checksum"
    assert not EntityBinding.objects.exists()


def test_binding_twice_is_refused(entity: EntityBinding, zhang: Any) -> None:
    response = post(as_user(zhang), f"{BASE}/entities", {"credit_code": CREDIT_CODE})

    assert response.status_code == 409
    assert response.json()["code"] == "entity_already_bound"
    assert EntityBinding.objects.count() == 1


# ---- Agents -------------------------------------------------------------------------------


def test_representative_delegates_an_agent(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    url = f"{BASE}/entities/{CREDIT_CODE}/agents"
    body = {"mobile": wang.mobile, "scope": ["*"], "expires_on": in_a_year().isoformat()}

    response = check_access(
        method="post",
        url=url,
        data=lambda: body,
        denied=wang,
        denied_status=404,
        permitted=zhang,
        permitted_status=201,
        audit_action="identity.agent_delegated",
        state=lambda: Delegation.objects.count(),
    )

    assert response.json()["mobile"] == "137****0002"
    assert agent_scope(wang, CREDIT_CODE) == ["*"]
    listed = as_user(zhang).get(url).json()
    assert listed["count"] == 1
    assert listed["items"][0]["name"] == "王*"


def test_list_agents_of_someone_elses_entity_is_404(entity: EntityBinding, li: Any) -> None:
    response = as_user(li).get(f"{BASE}/entities/{CREDIT_CODE}/agents")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mobile": "13900000000"}, "agent_mobile"),  # not registered
        ({"scope": ["*", "x"]}, "scope"),
        ({"scope": ["Bad Code!"]}, "scope"),
        ({"expires_on": "2000-01-01"}, "expires_on"),
        ({"expires_on": (timezone.localdate() + dt.timedelta(days=4 * 365)).isoformat()}, None),
    ],
    ids=["unknown-agent", "star-and-more", "bad-code", "past", "too-far"],
)
def test_bad_delegations_are_refused(
    entity: EntityBinding, zhang: Any, wang: Any, change: dict[str, Any], field: str | None
) -> None:
    body = {"mobile": wang.mobile, "scope": ["*"], "expires_on": in_a_year().isoformat()}
    body.update(change)

    response = post(as_user(zhang), f"{BASE}/entities/{CREDIT_CODE}/agents", body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "delegation_invalid"
    if field:
        assert response.json()["details"]["field"] == field
    assert not Delegation.objects.exists()


def test_an_unverified_agent_is_refused(entity: EntityBinding, zhang: Any, citizen: Any) -> None:
    with pytest.raises(Exception) as refused:
        delegate_agent(
            actor=zhang,
            entity=entity,
            agent_mobile=citizen.mobile,
            scope=["*"],
            expires_on=in_a_year(),
        )

    assert getattr(refused.value, "code", None) == "delegation_invalid"
    assert not Delegation.objects.exists()
    assert AuditEntry.objects.filter(action="identity.delegation_refused").exists()


def test_delegating_the_same_agent_twice_is_refused(
    entity: EntityBinding, zhang: Any, wang: Any
) -> None:
    delegate_agent(
        actor=zhang, entity=entity, agent_mobile=wang.mobile, scope=["*"], expires_on=in_a_year()
    )
    body = {"mobile": wang.mobile, "scope": ["a"], "expires_on": in_a_year().isoformat()}

    response = post(as_user(zhang), f"{BASE}/entities/{CREDIT_CODE}/agents", body)

    assert response.status_code == 409
    assert response.json()["code"] == "delegation_exists"
    assert Delegation.objects.count() == 1


def test_revocation_takes_effect_at_once(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    delegation = delegate_agent(
        actor=zhang,
        entity=entity,
        agent_mobile=wang.mobile,
        scope=["business_license"],
        expires_on=in_a_year(),
    )
    assert agent_scope(wang, CREDIT_CODE) == ["business_license"]
    url = f"{BASE}/entities/{CREDIT_CODE}/agents/{delegation.pk}"

    check_access(
        method="delete",
        url=url,
        denied=wang,
        denied_status=404,
        permitted=zhang,
        permitted_status=204,
        audit_action="identity.delegation_revoked",
        state=lambda: Delegation.objects.filter(revoked_at__isnull=True).count(),
    )

    assert agent_scope(wang, CREDIT_CODE) is None
    assert as_user(zhang).delete(url).status_code == 404  # already revoked


def test_an_expired_delegation_yields_none(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    delegation = delegate_agent(
        actor=zhang, entity=entity, agent_mobile=wang.mobile, scope=["*"], expires_on=in_a_year()
    )
    Delegation.objects.filter(pk=delegation.pk).update(expires_at=timezone.now())

    assert agent_scope(wang, CREDIT_CODE) is None
    # and the agent can be delegated afresh
    delegate_agent(
        actor=zhang, entity=entity, agent_mobile=wang.mobile, scope=["*"], expires_on=in_a_year()
    )
    assert agent_scope(wang, CREDIT_CODE) == ["*"]


def test_delegation_runs_through_its_last_day(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    last_day = in_a_year()
    delegation = delegate_agent(
        actor=zhang, entity=entity, agent_mobile=wang.mobile, scope=["*"], expires_on=last_day
    )

    local = timezone.localtime(delegation.expires_at)
    assert local.date() == last_day + dt.timedelta(days=1)
    assert (local.hour, local.minute) == (0, 0)


# ---- Acting for an entity -----------------------------------------------------------------


def test_agent_acts_for_the_entity_and_back(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    delegate_agent(
        actor=zhang,
        entity=entity,
        agent_mobile=wang.mobile,
        scope=["a", "b"],
        expires_on=in_a_year(),
    )
    client = as_user(wang)

    response = post(client, f"{BASE}/acting-for", {"credit_code": CREDIT_CODE})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "credit_code": CREDIT_CODE,
        "name": ENTITIES[0][1],
        "scope": ["a", "b"],
    }
    assert client.session[ACTING_FOR_KEY] == response.json()
    assert AuditEntry.objects.filter(action="identity.acting_for").count() == 1
    entities = client.get(f"{BASE}/entities").json()
    assert entities["items"][0]["role"] == "agent"

    back = post(client, f"{BASE}/acting-for", {"credit_code": None})
    assert back.json()["credit_code"] is None
    assert ACTING_FOR_KEY not in client.session


def test_representative_acts_with_every_service(entity: EntityBinding, zhang: Any) -> None:
    client = as_user(zhang)

    response = post(client, f"{BASE}/acting-for", {"credit_code": CREDIT_CODE})

    assert response.json()["scope"] == ["*"]


def test_acting_for_an_entity_without_delegation_is_404(
    entity: EntityBinding, wang: Any, li: Any
) -> None:
    check_access(
        method="post",
        url=f"{BASE}/acting-for",
        data=lambda: {"credit_code": CREDIT_CODE},
        denied=li,
        denied_status=404,
        permitted=entity.representative,
        permitted_status=200,
        audit_action="identity.acting_for",
    )


def test_revoked_agent_can_no_longer_act(entity: EntityBinding, zhang: Any, wang: Any) -> None:
    delegation = delegate_agent(
        actor=zhang, entity=entity, agent_mobile=wang.mobile, scope=["*"], expires_on=in_a_year()
    )
    client = as_user(wang)
    post(client, f"{BASE}/acting-for", {"credit_code": CREDIT_CODE})
    revoke_delegation(actor=zhang, delegation=delegation)

    response = post(client, f"{BASE}/acting-for", {"credit_code": CREDIT_CODE})

    assert response.status_code == 404
    page = client.get("/account/acting-for/")
    assert ACTING_FOR_KEY not in client.session  # the stale choice was dropped
    assert "当前身份：<strong>个人</strong>" in page.content.decode()


# ---- Pages --------------------------------------------------------------------------------


def test_pages_bind_delegate_and_revoke(zhang: Any, wang: Any) -> None:
    client = as_user(zhang)

    response = client.post("/account/entities/bind/", {"credit_code": CREDIT_CODE}, follow=True)
    assert ENTITIES[0][1] in response.content.decode()
    assert EntityBinding.objects.filter(representative=zhang).exists()

    add = f"/account/entities/{CREDIT_CODE}/agents/add/"
    response = client.post(
        add,
        {
            "mobile": wang.mobile,
            "scope_kind": "some",
            "services": "a, b",
            "expires_on": in_a_year().isoformat(),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "已添加经办人" in body
    assert "137****0002" in body
    delegation = Delegation.objects.get()
    assert delegation.scope == ["a", "b"]

    revoke = f"/account/entities/{CREDIT_CODE}/agents/{delegation.pk}/revoke/"
    assert "确认撤销" in client.get(revoke).content.decode()
    response = client.post(revoke, follow=True)
    assert "已撤销" in response.content.decode()
    assert agent_scope(wang, CREDIT_CODE) is None


def test_agent_pages_of_someone_elses_entity_are_404(entity: EntityBinding, li: Any) -> None:
    client = as_user(li)

    assert client.get(f"/account/entities/{CREDIT_CODE}/agents/").status_code == 404
    assert client.get(f"/account/entities/{CREDIT_CODE}/agents/add/").status_code == 404


def test_add_agent_page_shows_errors(entity: EntityBinding, zhang: Any) -> None:
    response = as_user(zhang).post(
        f"/account/entities/{CREDIT_CODE}/agents/add/",
        {"mobile": "13900000000", "scope_kind": "all", "expires_on": "2000-01-01"},
    )

    body = response.content.decode()
    assert 'class="error-summary"' in body
    assert not Delegation.objects.exists()


# ---- Demo data ----------------------------------------------------------------------------


def test_demo_citizens_load_twice_without_change() -> None:
    from yiwang.identity.demo import load_citizens

    said: list[str] = []
    load_citizens("demo", said.append)
    load_citizens("demo", said.append)

    assert agent_scope(
        EntityBinding.objects.get(credit_code=CREDIT_CODE).representative, CREDIT_CODE
    ) == ["*"]
    assert Delegation.objects.count() == 1
    wang = Delegation.objects.get().agent
    assert wang.display_name == PERSONS[1][0]
    assert agent_scope(wang, CREDIT_CODE) == ["*"]
    assert said[0] == said[1]
    assert "u" in said[0]
