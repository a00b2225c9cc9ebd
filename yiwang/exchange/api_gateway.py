"""The data API gateway's endpoints, ``/api/v1/exchange/data/``: consumer applications'
own authentication (API key or client-credentials bearer token, never the session), data
queries by key and yes/no verification. See :mod:`yiwang.exchange.gateway`."""

# No ``from __future__ import annotations``: django-ninja reads the parameters at runtime.
import io
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.security import APIKeyHeader
from pydantic import Field

from yiwang.exchange import gateway
from yiwang.exchange.models import ConsumerApp


class AppAuth(APIKeyHeader):
    """``X-Api-Key: <prefix>.<secret>`` or ``Authorization: Bearer <token>``; an unknown,
    inactive or expired credential is refused with ``exchange_app_unauthenticated`` and the
    refusal logged."""

    param_name = gateway.API_KEY_HEADER

    def __call__(self, request: HttpRequest) -> Any:
        match = request.resolver_match
        resource_code = str(match.kwargs.get("resource_code", "")) if match else ""
        app = gateway.authenticate(request.headers, resource_code=resource_code)
        if app is not None:
            return app
        if not resource_code:
            resource_code = "verify:" + request.path.rstrip("/").rsplit("/", 1)[-1]
        raise gateway.refuse_unauthenticated(
            resource_code=resource_code, purpose=request.GET.get("purpose", "")[:200]
        )

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None  # __call__ does the work


router = Router(tags=["exchange-gateway"], auth=AppAuth())

#: The header of a downloaded file naming its message-log entry (a query's answer has it
#: in its ``call`` member).
CALL_HEADER = "X-Yiwang-Call"


def _json(body: bytes) -> HttpResponse:
    # The exact bytes whose SM3 the message log holds.
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _app(request: HttpRequest) -> ConsumerApp:
    app: ConsumerApp = request.auth  # type: ignore[attr-defined]
    return app


class NameIdIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=32)
    purpose: str = Field("", max_length=200)


class MatchOut(Schema):
    match: bool


class LicenceIn(Schema):
    identifier: str = Field(min_length=1, max_length=64)
    purpose: str = Field("", max_length=200)


class ValidOut(Schema):
    valid: bool


class EntityIn(Schema):
    credit_code: str = Field(min_length=1, max_length=32)
    purpose: str = Field("", max_length=200)


class StandingOut(Schema):
    good_standing: bool
    reason: str


class RecordsOut(Schema):
    resource: str
    records: list[dict[str, Any]]
    call: int


@router.post("/verify/name-id", response=MatchOut, summary="核验姓名与身份证号码是否一致")
def verify_name_id(request: HttpRequest, payload: NameIdIn) -> HttpResponse:
    return _json(
        gateway.verify_name_id(
            _app(request), name=payload.name, id_number=payload.id_number, purpose=payload.purpose
        )
    )


@router.post("/verify/licence", response=ValidOut, summary="核验电子证照是否有效")
def verify_licence(request: HttpRequest, payload: LicenceIn) -> HttpResponse:
    return _json(
        gateway.verify_licence(
            _app(request), identifier=payload.identifier, purpose=payload.purpose
        )
    )


@router.post("/verify/entity", response=StandingOut, summary="核验市场主体是否存续且信用良好")
def verify_entity(request: HttpRequest, payload: EntityIn) -> HttpResponse:
    return _json(
        gateway.verify_entity(
            _app(request), credit_code=payload.credit_code, purpose=payload.purpose
        )
    )


@router.get(
    "/{resource_code}/file",
    summary="下载挂接文件的共享资源",
    description="文件资源没有信息项和查询键:本部门持有有效授权即可下载。",
)
def download_file(request: HttpRequest, resource_code: str, purpose: str = "") -> FileResponse:
    return file_response(gateway.download(_app(request), resource_code, purpose=purpose[:200]))


def file_response(answer: gateway.FileAnswer) -> FileResponse:
    """A downloaded file as an attachment, with its log entry's number (``X-Yiwang-Call``)."""
    response = FileResponse(
        io.BytesIO(answer.body),
        as_attachment=True,
        filename=answer.name,
        content_type=answer.content_type or "application/octet-stream",
    )
    response[CALL_HEADER] = str(answer.seq)
    return response


@router.get("/{resource_code}", response=RecordsOut, summary="按查询键查询共享数据")
def query_resource(
    request: HttpRequest, resource_code: str, key: str = "", fields: str = "", purpose: str = ""
) -> HttpResponse:
    wanted = [name.strip() for name in fields.split(",") if name.strip()]
    return _json(
        gateway.query(
            _app(request), resource_code, key=key, fields=wanted or None, purpose=purpose[:200]
        )
    )
