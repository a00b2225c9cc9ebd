from typing import Any


def test_healthz(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz(client: Any, db: None) -> None:
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok"}}
