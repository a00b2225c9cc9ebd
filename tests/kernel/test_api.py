"""The kernel API through HTTP: the error envelope, the shared access checks (anonymous →
401, not permitted → 403/404, permitted → 2xx and an audit row), and each resource."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.kernel.models import AuditEntry, Department, Region, StoredFile

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "details"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


# --- the envelope, for every kind of 4xx -------------------------------------------------


def test_unknown_api_path_answers_with_the_envelope(client: Any) -> None:
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")


def test_wrong_method_answers_with_the_envelope(client: Any) -> None:
    body = assert_error(client.delete("/api/v1/kernel/regions"), 405, "method_not_allowed")
    assert body["details"] == {}


def test_anonymous_write_is_401(client: Any, regions: Any) -> None:
    response = client.post(
        "/api/v1/kernel/departments",
        {"code": "X", "name": "X", "region_code": "42"},
        content_type="application/json",
    )
    assert_error(response, 401, "not_authenticated")
    assert not Department.objects.filter(code="X").exists()


def test_invalid_body_is_422_with_field_errors(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.post(
        "/api/v1/kernel/departments", {"name": ""}, content_type="application/json"
    )
    body = assert_error(response, 422, "validation_error")
    fields = {e["field"] for e in body["details"]["errors"]}
    assert {"payload.code", "payload.name", "payload.region_code"} <= fields


def test_message_follows_the_request_language(client: Any) -> None:
    zh = client.get("/api/v1/no/such/thing", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["message"] == "未找到该资源。"


def test_request_id_is_echoed(client: Any) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]) == 32


def test_pages_carry_a_strict_content_security_policy(client: Any) -> None:
    assert "default-src 'self'" in client.get("/healthz")["Content-Security-Policy"]


def test_openapi_and_docs_are_served(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Yiwang API"
    assert "/api/v1/kernel/regions" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


# --- regions ------------------------------------------------------------------------------


def test_regions_are_public_and_browsable(client: Any, regions: Any) -> None:
    top = client.get("/api/v1/kernel/regions").json()
    assert [r["code"] for r in top["items"]] == ["42"]
    children = client.get("/api/v1/kernel/regions?parent=420000").json()
    assert {r["name"] for r in children["items"]} == {"武汉市", "宜昌市"}
    one = client.get("/api/v1/kernel/regions/420106").json()
    assert one == {
        "code": "420106",
        "name": "武昌区",
        "level": "county",
        "parent_code": "4201",
        "full_code": "420106000000",
    }


def test_unknown_and_malformed_region_codes(client: Any, regions: Any) -> None:
    assert_error(client.get("/api/v1/kernel/regions/4299"), 404, "region_unknown")
    assert_error(client.get("/api/v1/kernel/regions/4x"), 400, "region_code_format")


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("regions.csv", text.encode(), content_type="text/csv")


def test_region_import_by_platform_admin(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.post(
        "/api/v1/kernel/regions/import",
        {"csv_file": _csv("code,name\n4202,黄石市\n420202,黄石港区\n")},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert AuditEntry.objects.filter(action="kernel.regions_imported").exists()


def test_region_import_refused_for_a_clerk(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.post(
        "/api/v1/kernel/regions/import", {"csv_file": _csv("code,name\n4202,黄石市\n")}
    )
    assert_error(response, 403, "permission_denied")
    assert not Region.objects.filter(code="4202").exists()


def test_bad_region_import_lists_every_error_and_writes_nothing(client: Any, admin: Any) -> None:
    client.force_login(admin)
    before = Region.objects.count()
    response = client.post(
        "/api/v1/kernel/regions/import",
        {"csv_file": _csv("code,name\n4202,黄石市\n4299x,坏代码\n4202,重复\n439901,无上级\n")},
    )
    body = assert_error(response, 400, "region_code_format")
    codes = [e["code"] for e in body["details"]["errors"]]
    assert codes == ["region_code_format", "region_duplicate", "region_parent_unknown"]
    assert Region.objects.count() == before


# --- departments --------------------------------------------------------------------------


def test_admin_creates_a_department_and_it_is_audited(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.post(
        "/api/v1/kernel/departments",
        {"code": "4201-JYJ", "name": "武汉市教育局", "region_code": "420100"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["region_code"] == "4201"
    department = Department.objects.get(code="4201-JYJ")
    row = AuditEntry.objects.get(action="kernel.department_created")
    assert row.target_id == str(department.pk)
    assert row.actor_id == admin.pk


def test_clerk_cannot_create_a_department(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.post(
        "/api/v1/kernel/departments",
        {"code": "420106-X", "name": "某局", "region_code": "420106"},
        content_type="application/json",
    )
    assert_error(response, 403, "permission_denied")
    assert not Department.objects.filter(code="420106-X").exists()


def test_duplicate_department_is_409(client: Any, admin: Any, owning_department: Any) -> None:
    client.force_login(admin)
    response = client.post(
        "/api/v1/kernel/departments",
        {"code": owning_department.code, "name": "又一个", "region_code": "42"},
        content_type="application/json",
    )
    assert_error(response, 409, "department_duplicate")


def test_departments_directory_filters_by_region(
    client: Any, owning_department: Any, other_department: Any
) -> None:
    items = client.get("/api/v1/kernel/departments?region=4201").json()["items"]
    assert [d["code"] for d in items] == ["420106-SCJG"]


# --- files --------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n" + b"x" * 200


def test_upload_keeps_the_file_with_its_hash(client: Any, clerk: Any, settings: Any) -> None:
    import hashlib

    client.force_login(clerk)
    response = client.post(
        "/api/v1/kernel/files", {"file": SimpleUploadedFile("申请表.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["name"] == "申请表.pdf"
    stored = StoredFile.objects.get(pk=body["id"])
    assert (settings.MEDIA_ROOT / stored.storage_path).read_bytes() == PDF
    assert client.get(f"/api/v1/kernel/files/{body['id']}").json()["size"] == len(PDF)


def test_other_staff_cannot_see_the_file(client: Any, clerk: Any, outsider: Any) -> None:
    client.force_login(clerk)
    file_id = client.post(
        "/api/v1/kernel/files", {"file": SimpleUploadedFile("a.pdf", PDF)}
    ).json()["id"]
    client.force_login(outsider)
    assert_error(client.get(f"/api/v1/kernel/files/{file_id}"), 404, "not_found")


def test_oversized_upload_is_413_and_leaves_nothing(client: Any, clerk: Any, settings: Any) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 100
    client.force_login(clerk)
    response = client.post("/api/v1/kernel/files", {"file": SimpleUploadedFile("big.pdf", PDF)})
    body = assert_error(response, 413, "file_too_large")
    assert body["details"]["limit"] == 100
    assert not StoredFile.objects.exists()
    assert (
        not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))
        if settings.MEDIA_ROOT.exists()
        else True
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.pdf", b"MZ\x90\x00 a windows program"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_disallowed_type_is_refused_whatever_its_name(
    client: Any, clerk: Any, name: str, content: bytes
) -> None:
    client.force_login(clerk)
    response = client.post("/api/v1/kernel/files", {"file": SimpleUploadedFile(name, content)})
    assert_error(response, 400, "file_type_not_allowed")
    assert not StoredFile.objects.exists()


def test_empty_upload_is_refused(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.post("/api/v1/kernel/files", {"file": SimpleUploadedFile("e.pdf", b"")})
    assert response.status_code in {400, 422}
    assert not StoredFile.objects.exists()


def test_citizen_cannot_upload_through_the_staff_api(client: Any, citizen: Any) -> None:
    client.force_login(citizen)
    response = client.post("/api/v1/kernel/files", {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert_error(response, 403, "permission_denied")


# --- audit trail, validators, working days, node, me ---------------------------------------


def test_auditor_reads_the_trail_newest_first(client: Any, auditor: Any) -> None:
    client.force_login(auditor)
    items = client.get("/api/v1/kernel/audit?limit=5").json()["items"]
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs, reverse=True)
    assert items[0]["action"] == "kernel.role_assigned"


def test_clerk_cannot_read_the_trail(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    assert_error(client.get("/api/v1/kernel/audit"), 403, "permission_denied")


def test_anonymous_cannot_read_the_trail(client: Any) -> None:
    assert_error(client.get("/api/v1/kernel/audit"), 401, "not_authenticated")


def test_validate_endpoint(client: Any) -> None:
    ok = client.post(
        "/api/v1/kernel/validate/id-number",
        {"value": "11010519491231002x"},
        content_type="application/json",
    )
    assert ok.json() == {"valid": True, "normalized": "11010519491231002X"}
    bad = client.post(
        "/api/v1/kernel/validate/id-number",
        {"value": "110105194912310021"},
        content_type="application/json",
    )
    assert_error(bad, 400, "id_number_checksum")
    unknown = client.post(
        "/api/v1/kernel/validate/passport", {"value": "x"}, content_type="application/json"
    )
    assert_error(unknown, 404, "not_found")


def test_working_days_endpoints(client: Any) -> None:
    due = client.get("/api/v1/kernel/working-days/add?start=2025-09-30&days=1").json()
    assert due["due"] == "2025-10-09"
    between = client.get(
        "/api/v1/kernel/working-days/between?start=2026-03-02&end=2026-03-09"
    ).json()
    assert between["working_days"] == 5
    assert_error(
        client.get("/api/v1/kernel/working-days/add?start=2025-13-01&days=1"),
        422,
        "validation_error",
    )
    assert_error(
        client.get("/api/v1/kernel/working-days/add?start=2025-01-01&days=-1"),
        400,
        "calendar_range",
    )


def test_node_identity(client: Any) -> None:
    body = client.get("/api/v1/kernel/node").json()
    assert body["node_id"] == "42"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_me_masks_the_mobile(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    body = client.get("/api/v1/kernel/me").json()
    assert body["mobile"] == clerk.mobile[:3] + "****" + clerk.mobile[-4:]
    assert body["roles"][0]["role"] == "window_clerk"


def test_city_platform_admin_cannot_import_regions(client: Any, regions: Any) -> None:
    from tests.factories import StaffFactory

    city_admin = StaffFactory(username="cityadmin", role="platform_admin", region=regions.wuhan)
    client.force_login(city_admin)
    response = client.post(
        "/api/v1/kernel/regions/import", {"csv_file": _csv("code,name\n420199,某区\n")}
    )
    assert_error(response, 403, "permission_denied")


def test_csrf_refusal_has_its_own_code(regions: Any, admin: Any) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    response = strict.post(
        "/api/v1/kernel/departments",
        {"code": "Z", "name": "Z", "region_code": "42"},
        content_type="application/json",
    )
    assert_error(response, 403, "csrf_failed")
    assert not Department.objects.filter(code="Z").exists()


def test_unexpected_error_is_a_500_envelope_with_request_id(client: Any, monkeypatch: Any) -> None:
    from yiwang.kernel import api as kernel_api

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(kernel_api.calendar, "add_working_days", broken)
    response = client.get(
        "/api/v1/kernel/working-days/add?start=2026-01-05&days=1", HTTP_X_REQUEST_ID="r-500"
    )
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["details"] == {"request_id": "r-500"}
    assert "ZeroDivisionError" not in response.content.decode()


# --- the shared access checks, resource by resource ----------------------------------------


def test_department_creation_access(admin: Any, clerk: Any) -> None:
    from tests.access import check_access

    check_access(
        method="post",
        url="/api/v1/kernel/departments",
        data=lambda: {"code": "42-WJW", "name": "湖北省卫生健康委员会", "region_code": "42"},
        denied=clerk,
        denied_status=403,
        permitted=admin,
        permitted_status=201,
        audit_action="kernel.department_created",
        state=lambda: sorted(Department.objects.values_list("code", flat=True)),
    )


def test_file_upload_access(clerk: Any, citizen: Any) -> None:
    from tests.access import check_access

    check_access(
        method="post",
        url="/api/v1/kernel/files",
        data=lambda: {"file": SimpleUploadedFile("a.pdf", PDF)},
        denied=citizen,
        denied_status=403,
        permitted=clerk,
        permitted_status=201,
        audit_action="kernel.file_stored",
        state=lambda: StoredFile.objects.count(),
    )


def test_file_read_access(clerk: Any, outsider: Any) -> None:
    from io import BytesIO

    from tests.access import check_access
    from yiwang.kernel import files

    stored = files.store_file(BytesIO(PDF), name="a.pdf", actor=clerk)
    check_access(
        method="get",
        url=f"/api/v1/kernel/files/{stored.pk}",
        denied=outsider,
        denied_status=404,
        permitted=clerk,
        permitted_status=200,
    )


def test_region_list_query_budget(
    client: Any, regions: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/kernel/regions?parent=4201").status_code == 200
