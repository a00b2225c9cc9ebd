"""The gateway answers all three mount kinds: a table (test_gateway.py), an external API
(proxied to a real HTTP server started here, on 127.0.0.1) and a file (downloaded from
``/file``) — with the same authentication, grant check, rate limit and message log."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from yiwang.exchange import gateway, msglog, services, upstream
from yiwang.exchange.models import CallLogEntry, ShareGrant

pytestmark = pytest.mark.django_db

BASE = "/api/v1/exchange/data/"
ID_NUMBER = "11010519491231002X"
UPSTREAM_RECORD = {
    "_id": "rk-42",
    "id_number": ID_NUMBER,
    "name": "张伟",
    "gender": "男",
    "address": "武汉市武昌区中北路1号",
    "secret_column": "不应外传",
}
PDF = b"%PDF-1.4\n% yiwang test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- A real upstream: http.server in a thread ----------------------------------------------


@dataclass
class Upstream:
    """What the server answers (``mode``) and what it was asked (``seen``)."""

    url: str = ""
    mode: str = "json"
    seen: list[dict[str, Any]] = field(default_factory=list)


def _handler(state: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.seen.append({"query": parse_qs(parts.query), "headers": dict(self.headers)})
            if state.mode == "html":
                self._send("<html><body>维护中</body></html>".encode(), "text/html")
            elif state.mode == "big":
                self._send(b"[" + b" " * (upstream.MAX_BYTES + 10) + b"]", "application/json")
            elif state.mode == "error":
                self._send(b'{"error": "boom"}', "application/json", status=500)
            elif state.mode == "slow":
                time.sleep(2)
                self._send(b"[]", "application/json")
            else:
                body = json.dumps({"records": [UPSTREAM_RECORD]}, ensure_ascii=False).encode()
                self._send(body, "application/json; charset=utf-8")

    return Handler


@pytest.fixture
def upstream_server() -> Iterator[Upstream]:
    state = Upstream()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/rk/query?source=test"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}/rk"


# --- Helpers -------------------------------------------------------------------------------


def _grant(officer: Any, resource: Any, fields: list[str] | None = None) -> ShareGrant:
    request = services.request_share(
        actor=officer,
        resource=resource,
        fields=fields,
        purpose="社保参保登记核验身份",
        legal_basis="《社会保险法》第五十八条",
    )
    grant: ShareGrant = request.grant
    return grant


def _get(client: Any, api_key: str, path: str, **params: str) -> Any:
    return client.get(BASE + path, params, headers={"X-Api-Key": api_key})


def _last() -> CallLogEntry:
    return CallLogEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


@pytest.fixture
def api_mounted(police_officer: Any, population: Any, upstream_server: Upstream) -> Any:
    services.mount_api(actor=police_officer, resource=population, url=upstream_server.url)
    return population


def _mount_url(officer: Any, resource: Any, url: str) -> None:
    services.mount_api(actor=officer, resource=resource, url=url)


# --- API mounts ----------------------------------------------------------------------------


def test_api_mount_is_proxied_with_granted_fields_masked_and_logged(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    # given a grant of every field (personal ones masked) on an API-mounted resource
    _grant(hrss_officer, api_mounted)
    app, key = hrss_app
    # when the application asks for three of them
    response = _get(
        client, key, api_mounted.code, key=ID_NUMBER, fields="name,gender,address", purpose="核验"
    )
    # then the upstream was asked with the key, the fields and the consumer's department
    assert response.status_code == 200, response.content
    asked = upstream_server.seen[-1]
    assert asked["query"]["key"] == [ID_NUMBER]
    assert asked["query"]["fields"] == ["name,gender,address"]
    assert asked["query"]["source"] == ["test"]  # the registered URL's own query is kept
    assert asked["headers"][upstream.CONSUMER_HEADER] == hrss.code
    # and only those fields come back, personal ones masked, nothing else of the upstream's
    body = response.json()
    assert body["resource"] == api_mounted.code
    assert len(body["records"]) == 1
    record = body["records"][0]
    assert set(record) == {"name", "gender", "address"}
    assert record["gender"] == "男"
    assert record["name"] != "张伟" and record["name"].startswith("张")
    assert record["address"] != UPSTREAM_RECORD["address"]
    assert "不应外传" not in response.content.decode()
    # and the call is in the message log, which still verifies
    entry = _last()
    assert body["call"] == entry.seq
    assert entry.outcome == "ok"
    assert entry.app_id == app.pk
    assert entry.consumer_code == hrss.code
    assert entry.purpose == "核验"
    assert entry.record_ids == ["rk-42"]
    assert entry.query["key_index"] == msglog.query_index(ID_NUMBER)
    assert entry.response_sm3 == msglog.sm3_hex(response.content)
    assert msglog.verify_db()[0] is True


def test_unmasked_grant_gets_the_upstreams_personal_values(
    client: Any, api_mounted: Any, hrss_officer: Any, hrss_app: tuple[Any, str]
) -> None:
    grant = _grant(hrss_officer, api_mounted, ["name", "id_number"])
    ShareGrant.objects.filter(pk=grant.pk).update(personal_unmasked=True)
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 200, response.content
    assert response.json()["records"] == [{"name": "张伟", "id_number": ID_NUMBER}]


def test_ungranted_fields_are_refused_before_the_upstream_is_asked(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    _grant(hrss_officer, api_mounted, ["gender"])
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER, fields="gender,name")
    assert response.status_code == 403
    assert response.json()["code"] == "exchange_fields_not_granted"
    assert upstream_server.seen == []
    assert _last().outcome == "exchange_fields_not_granted"


def test_revoked_grant_is_refused_and_the_upstream_not_asked(
    client: Any,
    api_mounted: Any,
    police_officer: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    grant = _grant(hrss_officer, api_mounted)
    services.revoke_grant(actor=police_officer, grant=grant, reason="用途已结束")
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 403
    assert response.json()["code"] == "exchange_grant_revoked"
    assert upstream_server.seen == []
    assert _last().outcome == "exchange_grant_revoked"


def test_upstream_down_is_502_and_logged(
    client: Any,
    police_officer: Any,
    population: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
) -> None:
    _mount_url(police_officer, population, _closed_port_url())
    _grant(hrss_officer, population)
    response = _get(client, hrss_app[1], population.code, key=ID_NUMBER)
    assert response.status_code == 502, response.content
    assert response.json()["code"] == "exchange_upstream_unavailable"
    entry = _last()
    assert entry.outcome == "exchange_upstream_unavailable"
    assert entry.response_sm3 == ""
    assert msglog.verify_db()[0] is True


def test_upstream_error_status_is_502(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    _grant(hrss_officer, api_mounted)
    upstream_server.mode = "error"
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == "exchange_upstream_unavailable"
    assert body["details"]["upstream_status"] == 500


def test_upstream_html_is_502_invalid(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    _grant(hrss_officer, api_mounted)
    upstream_server.mode = "html"
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 502
    assert response.json()["code"] == "exchange_upstream_invalid"
    assert "维护中" not in response.content.decode()
    assert _last().outcome == "exchange_upstream_invalid"


def test_upstream_too_big_is_502_invalid(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
) -> None:
    _grant(hrss_officer, api_mounted)
    upstream_server.mode = "big"
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 502
    assert response.json()["code"] == "exchange_upstream_invalid"
    assert response.json()["details"]["reason"] == "too_large"
    assert _last().outcome == "exchange_upstream_invalid"


def test_upstream_too_slow_is_504(
    client: Any,
    api_mounted: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
    upstream_server: Upstream,
    settings: Any,
) -> None:
    settings.YIWANG_EXCHANGE_UPSTREAM_TIMEOUT = 1
    _grant(hrss_officer, api_mounted)
    upstream_server.mode = "slow"
    response = _get(client, hrss_app[1], api_mounted.code, key=ID_NUMBER)
    assert response.status_code == 504
    assert response.json()["code"] == "exchange_upstream_timeout"
    assert _last().outcome == "exchange_upstream_timeout"


def test_api_mount_without_key_is_422(
    client: Any, api_mounted: Any, hrss_officer: Any, hrss_app: tuple[Any, str]
) -> None:
    _grant(hrss_officer, api_mounted)
    response = _get(client, hrss_app[1], api_mounted.code)
    assert response.status_code == 422
    assert response.json()["code"] == "exchange_query_invalid"


# --- File mounts ---------------------------------------------------------------------------


@pytest.fixture
def file_mounted(police_officer: Any, population: Any) -> Any:
    services.mount_file(
        actor=police_officer, resource=population, stream=io.BytesIO(PDF), name="人口统计.pdf"
    )
    return population


def test_file_is_downloaded_with_a_grant_and_logged_with_its_sm3(
    client: Any, file_mounted: Any, hrss_officer: Any, hrss: Any, hrss_app: tuple[Any, str]
) -> None:
    # given a live grant on a file-mounted resource
    _grant(hrss_officer, file_mounted)
    app, key = hrss_app
    # when the application downloads it
    response = _get(client, key, f"{file_mounted.code}/file", purpose="统计分析")
    # then the file comes back as an attachment
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    assert body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    # and the download is logged with the file's SM3 as the response hash
    entry = _last()
    assert response["X-Yiwang-Call"] == str(entry.seq)
    assert entry.outcome == "ok"
    assert entry.app_id == app.pk
    assert entry.consumer_code == hrss.code
    assert entry.purpose == "统计分析"
    assert entry.response_sm3 == msglog.sm3_hex(PDF)
    assert msglog.verify_db()[0] is True


def test_file_download_without_a_grant_is_403_and_logged(
    client: Any, file_mounted: Any, hrss_app: tuple[Any, str]
) -> None:
    response = _get(client, hrss_app[1], f"{file_mounted.code}/file")
    assert response.status_code == 403
    assert response.json()["code"] == "exchange_no_grant"
    assert _last().outcome == "exchange_no_grant"


def test_file_download_with_a_revoked_grant_is_403(
    client: Any,
    file_mounted: Any,
    police_officer: Any,
    hrss_officer: Any,
    hrss_app: tuple[Any, str],
) -> None:
    grant = _grant(hrss_officer, file_mounted)
    services.revoke_grant(actor=police_officer, grant=grant, reason="用途已结束")
    response = _get(client, hrss_app[1], f"{file_mounted.code}/file")
    assert response.status_code == 403
    assert response.json()["code"] == "exchange_grant_revoked"


def test_file_download_needs_credentials(client: Any, file_mounted: Any) -> None:
    response = client.get(BASE + f"{file_mounted.code}/file")
    assert response.status_code == 401
    assert _last().outcome == "exchange_app_unauthenticated"


def test_key_query_on_a_file_mount_says_to_use_file(
    client: Any, file_mounted: Any, hrss_officer: Any, hrss_app: tuple[Any, str]
) -> None:
    _grant(hrss_officer, file_mounted)
    response = _get(client, hrss_app[1], file_mounted.code, key=ID_NUMBER)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "exchange_file_not_queryable"
    assert body["details"]["download"] == f"{BASE}{file_mounted.code}/file"
    assert "/file" in body["message"]
    assert _last().outcome == "exchange_file_not_queryable"


def test_file_route_on_a_table_or_api_resource_is_409(
    client: Any, api_mounted: Any, hrss_officer: Any, hrss_app: tuple[Any, str]
) -> None:
    _grant(hrss_officer, api_mounted)
    response = _get(client, hrss_app[1], f"{api_mounted.code}/file")
    assert response.status_code == 409
    assert response.json()["code"] == "exchange_mount_invalid"


def test_a_data_officer_of_the_consumer_downloads_for_the_grant(
    file_mounted: Any, hrss_officer: Any, hrss: Any
) -> None:
    # The staff page's download: no application, the consumer department's code and the
    # officer in the log entry.
    grant = _grant(hrss_officer, file_mounted)
    answer = gateway.download_for_staff(actor=hrss_officer, grant=grant)
    assert answer.body == PDF
    assert answer.name == "人口统计.pdf"
    entry = _last()
    assert (entry.seq, entry.outcome, entry.app_id) == (answer.seq, "ok", None)
    assert entry.consumer_code == hrss.code
    assert entry.grant_id == grant.pk
    assert "hrss_officer" in entry.purpose
    assert entry.response_sm3 == msglog.sm3_hex(PDF)


def test_the_grants_page_offers_the_download_and_serves_the_file(
    client: Any, file_mounted: Any, hrss_officer: Any, police_officer: Any
) -> None:
    grant = _grant(hrss_officer, file_mounted)
    client.force_login(hrss_officer)
    url = f"/staff/exchange/grants/{grant.pk}/download/"
    assert url in client.get("/staff/exchange/grants/").content.decode()

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert _last().outcome == "ok"
    # the provider's officer sees the grant but does not download as its consumer
    client.force_login(police_officer)
    assert client.get(url).status_code == 404


def test_a_revoked_grant_s_download_is_told_back_on_the_grants_page(
    client: Any, file_mounted: Any, hrss_officer: Any, police_officer: Any
) -> None:
    grant = _grant(hrss_officer, file_mounted)
    services.revoke_grant(actor=police_officer, grant=grant, reason="停止共享")
    client.force_login(hrss_officer)

    response = client.get(f"/staff/exchange/grants/{grant.pk}/download/", follow=True)

    assert response.redirect_chain[-1][0].endswith("/staff/exchange/grants/")
    assert "撤销" in response.content.decode()
