"""The data API gateway: applications' own authentication, grant checks, field filtering,
masking, rate limits, verification — and every call, answered or refused, in the message log."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from yiwang.exchange import gateway, msglog
from yiwang.exchange.models import (
    CallLogEntry,
    ConsumerApp,
    DataField,
    DataResource,
    Mount,
    ShareGrant,
    ShareRequest,
)
from yiwang.kernel.validators import validate_id_number

pytestmark = pytest.mark.django_db

# --- Rows made directly (until the services land): a published population resource on the
# ``population`` source, grants, applications with API keys, a stand-in source. ---

ID_NUMBER = "11010519491231002X"
NAME = "张伟"
PERSON = {"_id": 42, "name": NAME, "id_number": ID_NUMBER, "gender": "男", "ethnicity": "汉"}
FIELDS = [
    ("name", "姓名", True),
    ("id_number", "居民身份证号码", True),
    ("gender", "性别", False),
    ("ethnicity", "民族", False),
]


class InvalidKey(ValueError):
    pass


class PopulationStandIn:
    """``Source`` of the registry as the gateway sees it: ``fetch(key, fields)``."""

    def fetch(self, key: str, fields: list[str]) -> list[dict[str, Any]]:
        try:
            number = validate_id_number(key)
        except Exception as error:
            raise InvalidKey(str(error)) from None
        return [dict(PERSON)] if number == ID_NUMBER else []


def valid_id_number(seq: int) -> str:
    body = f"11010519800101{seq:03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def make_resource(
    provider: Any, *, code: str = "RK-0001", source: str = "population", status: str = "published"
) -> DataResource:
    resource = DataResource.objects.create(
        code=code,
        classification="1-01",
        name="人口基本信息",
        provider=provider,
        abstract="人口基础库",
        format="接口",
        share_type="conditional",
        share_methods=["api"],
        open_type="not_open",
        update_cycle="daily",
        status=status,
    )
    for position, (name, title, personal) in enumerate(FIELDS):
        DataField.objects.create(
            resource=resource,
            name=name,
            title=title,
            type="string",
            personal=personal,
            authoritative_source=provider.code,
            position=position,
        )
    Mount.objects.create(resource=resource, kind="table", source=source, key_field="id_number")
    return resource


def make_grant(
    resource: DataResource,
    consumer: Any,
    *,
    fields: list[str],
    unmasked: bool = False,
    expires_at: dt.datetime | None = None,
    revoked: bool = False,
    rate: int = 600,
) -> ShareGrant:
    request = ShareRequest.objects.create(
        resource=resource,
        consumer=consumer,
        fields=fields,
        purpose="办理业务核验身份",
        legal_basis="《政务信息资源共享管理暂行办法》",
        status="approved",
    )
    now = timezone.now()
    return ShareGrant.objects.create(
        request=request,
        resource=resource,
        consumer=consumer,
        fields=fields,
        personal_unmasked=unmasked,
        rate_limit_per_minute=rate,
        granted_at=now - dt.timedelta(days=1),
        expires_at=expires_at,
        revoked_at=now if revoked else None,
        revoked_reason="测试撤销" if revoked else "",
    )


@dataclass
class KeyedApp:
    app: ConsumerApp
    header: str


def make_app(department: Any, *, prefix: str = "a1b2c3d4", active: bool = True) -> KeyedApp:
    # The services' key format (services_sharing: ``ywk_<8 hex>_<secret>``, keyed SM3 HMAC).
    from yiwang.exchange.services_sharing import _key_hash

    key = f"ywk_{prefix}_secret-0123456789abcdefghijklmnopqrstuv"
    app = ConsumerApp.objects.create(
        department=department,
        name="一窗受理系统",
        api_key_prefix=prefix,
        api_key_hash=_key_hash(key),
        is_active=active,
    )
    return KeyedApp(app=app, header=key)


BASE = "/api/v1/exchange/data/"


class Verify:
    @staticmethod
    def name_matches_id(name: str, id_number: str) -> bool:
        return (name, id_number) == (NAME, ID_NUMBER)

    @staticmethod
    def licence_valid(identifier: str) -> bool:
        return identifier == "YYZZ-GOOD"

    @staticmethod
    def entity_in_good_standing(code: str) -> tuple[bool, str]:
        return False, "blacklisted"


@pytest.fixture(autouse=True)
def _sources(monkeypatch: Any) -> None:
    registry = {"population": PopulationStandIn(), "legal_entities": PopulationStandIn()}
    monkeypatch.setattr(gateway, "_registry", lambda: registry)
    monkeypatch.setattr(gateway, "_verifier", lambda name: getattr(Verify, name))


@pytest.fixture
def resource(owning_department: Any) -> Any:
    return make_resource(owning_department)


@pytest.fixture
def caller(other_department: Any) -> KeyedApp:
    return make_app(other_department)


def _get(client: Any, caller: KeyedApp | None, path: str, **params: str) -> Any:
    headers = {"X-Api-Key": caller.header} if caller else {}
    return client.get(BASE + path, params, headers=headers)


def _last() -> CallLogEntry:
    return CallLogEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


# --- Answered calls ------------------------------------------------------------------------


def test_granted_fields_come_back_with_personal_ones_masked(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    # given a grant of name, id_number and gender (not ethnicity), masked
    make_grant(resource, caller.app.department, fields=["name", "id_number", "gender"])
    # when the application asks for them
    response = _get(client, caller, "RK-0001", key=ID_NUMBER, purpose="身份核验")
    # then only those fields, personal ones masked, and the call's log entry
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resource"] == "RK-0001"
    assert body["records"] == [{"name": "张*", "id_number": "1101**********002X", "gender": "男"}]
    entry = _last()
    assert body["call"] == entry.seq
    assert entry.outcome == "ok"
    assert entry.record_ids == [42]
    assert entry.consumer_code == caller.app.department.code
    assert entry.purpose == "身份核验"
    assert entry.response_sm3 == msglog.sm3_hex(response.content)
    # the ID number is in the log only as its blind index
    assert ID_NUMBER not in json.dumps(entry.query)
    assert entry.query["key_index"] == msglog.query_index(ID_NUMBER)


def test_unmasked_grant_returns_personal_values_in_clear(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    make_grant(resource, caller.app.department, fields=["name", "id_number"], unmasked=True)
    response = _get(client, caller, "RK-0001", key=ID_NUMBER, fields="name,id_number")
    assert response.status_code == 200
    assert response.json()["records"] == [{"name": NAME, "id_number": ID_NUMBER}]


def test_a_subset_of_the_granted_fields_can_be_asked(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    make_grant(resource, caller.app.department, fields=["name", "gender"])
    response = _get(client, caller, "RK-0001", key=ID_NUMBER, fields="gender")
    assert response.json()["records"] == [{"gender": "男"}]


def test_unknown_person_is_an_empty_answer(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    response = _get(client, caller, "RK-0001", key=valid_id_number(1))
    assert response.status_code == 200, response.json()
    assert response.json()["records"] == []
    assert _last().record_ids == []


def test_a_change_of_the_resources_fields_counts_from_the_next_call(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    # The gateway keeps a resource's personal field names per process, keyed by the
    # resource's updated_at: the catalogue's services save the resource when fields change.
    make_grant(resource, caller.app.department, fields=["gender"])
    assert _get(client, caller, "RK-0001", key=ID_NUMBER).json()["records"] == [{"gender": "男"}]
    DataField.objects.filter(resource=resource, name="gender").update(personal=True)
    resource.save()
    again = _get(client, caller, "RK-0001", key=ID_NUMBER).json()["records"]
    assert again[0]["gender"] != "男"


def test_a_withdrawn_resource_is_refused_at_the_next_call(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    assert _get(client, caller, "RK-0001", key=ID_NUMBER).status_code == 200
    DataResource.objects.filter(pk=resource.pk).update(status="withdrawn")
    assert _get(client, caller, "RK-0001", key=ID_NUMBER).status_code == 404


# --- Refusals, each logged -----------------------------------------------------------------


def _refused(response: Any, status: int, code: str) -> CallLogEntry:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    entry = _last()
    assert entry.outcome == code
    assert entry.response_sm3 == ""
    assert entry.record_ids == []
    return entry


def test_no_credentials_is_401_and_logged(client: Any, resource: Any) -> None:
    entry = _refused(
        _get(client, None, "RK-0001", key=ID_NUMBER), 401, "exchange_app_unauthenticated"
    )
    assert entry.app_id is None
    assert entry.resource_code == "RK-0001"


def test_wrong_secret_is_401(client: Any, resource: Any, caller: KeyedApp) -> None:
    wrong = KeyedApp(app=caller.app, header=caller.header + "x")
    _refused(_get(client, wrong, "RK-0001", key=ID_NUMBER), 401, "exchange_app_unauthenticated")


def test_session_is_not_enough(client: Any, resource: Any, admin: Any) -> None:
    client.force_login(admin)
    _refused(_get(client, None, "RK-0001", key=ID_NUMBER), 401, "exchange_app_unauthenticated")


def test_inactive_app_is_refused(client: Any, resource: Any, other_department: Any) -> None:
    caller = make_app(other_department, prefix="0ff0ff00", active=False)
    make_grant(resource, other_department, fields=["gender"])
    _refused(_get(client, caller, "RK-0001", key=ID_NUMBER), 401, "exchange_app_unauthenticated")


def test_no_grant_is_403(client: Any, resource: Any, caller: KeyedApp) -> None:
    entry = _refused(_get(client, caller, "RK-0001", key=ID_NUMBER), 403, "exchange_no_grant")
    assert entry.app_id == caller.app.pk
    assert entry.grant_id is None


def test_unknown_resource_looks_like_no_grant(client: Any, caller: KeyedApp) -> None:
    _refused(_get(client, caller, "RK-9999", key=ID_NUMBER), 403, "exchange_no_grant")


def test_expired_grant_is_403(client: Any, resource: Any, caller: KeyedApp) -> None:
    grant = make_grant(
        resource,
        caller.app.department,
        fields=["gender"],
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    entry = _refused(_get(client, caller, "RK-0001", key=ID_NUMBER), 403, "exchange_grant_expired")
    assert entry.grant_id == grant.pk


def test_revoked_grant_is_403(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"], revoked=True)
    _refused(_get(client, caller, "RK-0001", key=ID_NUMBER), 403, "exchange_grant_revoked")


def test_ungranted_fields_are_named(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    response = _get(client, caller, "RK-0001", key=ID_NUMBER, fields="gender,name,id_number")
    entry = _refused(response, 403, "exchange_fields_not_granted")
    assert response.json()["details"]["fields"] == ["name", "id_number"]
    assert entry.query["fields"] == ["gender", "name", "id_number"]


def test_malformed_id_number_is_422(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    entry = _refused(
        _get(client, caller, "RK-0001", key="110105194912310021"), 422, "exchange_query_invalid"
    )
    assert entry.query["key_index"] == msglog.query_index("110105194912310021")


def test_unpublished_resource_is_refused(
    client: Any, owning_department: Any, caller: KeyedApp
) -> None:
    draft = make_resource(owning_department, code="RK-0002", status="draft")
    make_grant(draft, caller.app.department, fields=["gender"])
    _refused(_get(client, caller, "RK-0002", key=ID_NUMBER), 404, "exchange_not_found")


def test_resource_not_on_a_registered_source_is_refused(
    client: Any, owning_department: Any, caller: KeyedApp
) -> None:
    elsewhere = make_resource(owning_department, code="RK-0003", source="nowhere")
    make_grant(elsewhere, caller.app.department, fields=["gender"])
    _refused(_get(client, caller, "RK-0003", key=ID_NUMBER), 409, "exchange_mount_invalid")


def test_rate_limit_per_grant(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"], rate=2)
    for _ in range(2):
        assert _get(client, caller, "RK-0001", key=ID_NUMBER).status_code == 200
    response = _get(client, caller, "RK-0001", key=ID_NUMBER)
    _refused(response, 429, "exchange_rate_limited")
    assert response.json()["details"]["retry_after"] > 0


# --- OAuth client credentials --------------------------------------------------------------


def _oauth_client(app: Any) -> tuple[str, str]:
    from oauth2_provider.models import get_application_model

    secret = "client-secret-0123456789abcdef"
    application = get_application_model().objects.create(
        name="一窗受理系统",
        client_type="confidential",
        authorization_grant_type="client-credentials",
        client_secret=secret,
    )
    app.oauth_client_id = application.client_id
    app.save(update_fields=["oauth_client_id"])
    return application.client_id, secret


def test_client_credentials_token_calls_the_gateway(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    # given an application with an OAuth client and a grant
    client_id, secret = _oauth_client(caller.app)
    make_grant(resource, caller.app.department, fields=["gender"])
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    # when it takes a token from the identity module's OAuth server
    token_response = client.post(
        "/oidc/token/",
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token_response.status_code == 200, token_response.content
    token = token_response.json()["access_token"]
    # then the gateway answers a call with it
    response = client.get(
        BASE + "RK-0001", {"key": ID_NUMBER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["records"] == [{"gender": "男"}]
    assert _last().app_id == caller.app.pk


def test_expired_token_is_refused(client: Any, resource: Any, caller: KeyedApp) -> None:
    from oauth2_provider.models import get_access_token_model, get_application_model

    client_id, _secret = _oauth_client(caller.app)
    make_grant(resource, caller.app.department, fields=["gender"])
    get_access_token_model().objects.create(
        token="expired-token-0123456789",
        application=get_application_model().objects.get(client_id=client_id),
        expires=timezone.now() - dt.timedelta(seconds=1),
        scope="",
    )
    response = client.get(
        BASE + "RK-0001",
        {"key": ID_NUMBER},
        headers={"Authorization": "Bearer expired-token-0123456789"},
    )
    _refused(response, 401, "exchange_app_unauthenticated")


# --- Verification --------------------------------------------------------------------------


def test_name_id_verification_answers_yes_or_no(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    headers = {"X-Api-Key": caller.header}
    yes = client.post(
        BASE + "verify/name-id",
        {"name": NAME, "id_number": ID_NUMBER},
        content_type="application/json",
        headers=headers,
    )
    no = client.post(
        BASE + "verify/name-id",
        {"name": "李娜", "id_number": ID_NUMBER},
        content_type="application/json",
        headers=headers,
    )
    assert yes.json() == {"match": True}
    assert no.json() == {"match": False}
    entry = _last()
    assert entry.outcome == "ok"
    assert entry.resource_code == "RK-0001"
    assert NAME not in json.dumps(entry.query, ensure_ascii=False)
    assert entry.response_sm3 == msglog.sm3_hex(no.content)


def test_verification_needs_a_grant_on_the_base_resource(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    response = client.post(
        BASE + "verify/name-id",
        {"name": NAME, "id_number": ID_NUMBER},
        content_type="application/json",
        headers={"X-Api-Key": caller.header},
    )
    _refused(response, 403, "exchange_no_grant")


def test_verification_with_malformed_id_number_is_422(
    client: Any, resource: Any, caller: KeyedApp
) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    response = client.post(
        BASE + "verify/name-id",
        {"name": NAME, "id_number": "12345"},
        content_type="application/json",
        headers={"X-Api-Key": caller.header},
    )
    _refused(response, 422, "exchange_query_invalid")


def test_entity_verification(client: Any, owning_department: Any, caller: KeyedApp) -> None:
    entities = make_resource(owning_department, code="FR-0001", source="legal_entities")
    make_grant(entities, caller.app.department, fields=["gender"])
    response = client.post(
        BASE + "verify/entity",
        {"credit_code": "91420106MA4K000019"},
        content_type="application/json",
        headers={"X-Api-Key": caller.header},
    )
    if response.status_code == 422:  # the sample code's check digit; compute a real one
        from stdnum.cn import uscc

        code = "91420106MA4K00001" + uscc.calc_check_digit("91420106MA4K00001")
        response = client.post(
            BASE + "verify/entity",
            {"credit_code": code},
            content_type="application/json",
            headers={"X-Api-Key": caller.header},
        )
    assert response.status_code == 200, response.content
    assert response.json() == {"good_standing": False, "reason": "blacklisted"}
    assert _last().resource_code == "FR-0001"


def test_calls_and_refusals_keep_one_chain(client: Any, resource: Any, caller: KeyedApp) -> None:
    make_grant(resource, caller.app.department, fields=["gender"])
    _get(client, caller, "RK-0001", key=ID_NUMBER)
    _get(client, None, "RK-0001", key=ID_NUMBER)
    _get(client, caller, "RK-0001", key="bad")
    ok, bad, count = msglog.verify_db()
    assert (ok, bad, count) == (True, None, 3)
