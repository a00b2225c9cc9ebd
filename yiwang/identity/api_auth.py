"""Sign-in API: the same flows as the pages, as JSON. Session cookies carry the result; the
login endpoints check the CSRF token themselves (no session yet, so ninja would not)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.utils import check_csrf

from yiwang.identity import services
from yiwang.identity.errors import ErrorCode
from yiwang.identity.services.authentication import source_address
from yiwang.identity.services.sessions import live_sessions
from yiwang.identity.views import second_factor_subject
from yiwang.kernel.errors import CSRF_MESSAGE, DomainError
from yiwang.kernel.errors import ErrorCode as KernelErrorCode
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["identity"])


class PasswordLogin(Schema):
    username: str
    password: str


class MobileIn(Schema):
    mobile: str


class SmsLogin(Schema):
    mobile: str
    code: str


class CodeIn(Schema):
    code: str


class LoginOut(Schema):
    status: str  # "signed_in", "second_factor" or "enrol"


class SessionOut(Schema):
    id: int
    current: bool
    user_agent: str
    ip_address: str | None
    created_at: Any
    last_seen_at: Any
    factors: list[str]


class EndedOut(Schema):
    ended: int


def _csrf(request: HttpRequest) -> None:
    if check_csrf(request) is not None:
        raise DomainError(KernelErrorCode.CSRF_FAILED, CSRF_MESSAGE, status=403)


@router.post("/login/password", auth=None, response={200: LoginOut, **ERRORS})
def login_password(request: HttpRequest, body: PasswordLogin) -> dict[str, str]:
    _csrf(request)
    account = services.check_password_login(
        ip=source_address(request), identifier=body.username, password=body.password
    )
    return {"status": services.complete_first_factor(request, account, "password")}


@router.post("/login/sms/send", auth=None, response={202: LoginOut, **ERRORS})
def login_sms_send(request: HttpRequest, body: MobileIn) -> Status[Any]:
    _csrf(request)
    services.send_login_code(ip=source_address(request), mobile=body.mobile)
    return Status(202, {"status": "code_sent"})


@router.post("/login/sms", auth=None, response={200: LoginOut, **ERRORS})
def login_sms(request: HttpRequest, body: SmsLogin) -> dict[str, str]:
    _csrf(request)
    account = services.check_sms_login(
        ip=source_address(request), mobile=body.mobile, code=body.code
    )
    return {"status": services.complete_first_factor(request, account, "sms")}


@router.post("/login/totp", auth=None, response={200: LoginOut, **ERRORS})
def login_totp(request: HttpRequest, body: CodeIn) -> dict[str, str]:
    _csrf(request)
    subject = second_factor_subject(request)
    if subject is None:
        raise DomainError(
            ErrorCode.SECOND_FACTOR_INVALID,
            _("请先完成第一步登录（密码或短信验证码）。"),
            status=401,
        )
    account, factors = subject
    services.check_totp(ip=source_address(request), account=account, code=body.code)
    services.complete_second_factor(request, account, factors, "totp")
    return {"status": "signed_in"}


@router.post("/logout", response={204: None, **ERRORS})
def logout(request: HttpRequest) -> Status[Any]:
    services.sign_out(request)
    return Status(204, None)


@router.get("/sessions", response={200: list[SessionOut], **ERRORS})
def sessions(request: HttpRequest) -> list[dict[str, Any]]:
    current = request.session.session_key
    return [
        {
            "id": row.pk,
            "current": row.session_key == current,
            "user_agent": row.user_agent,
            "ip_address": row.ip_address,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "factors": row.factors,
        }
        for row in live_sessions(request.user)  # type: ignore[arg-type]
    ]


@router.post("/sessions/end-others", response={200: EndedOut, **ERRORS})
def end_others(request: HttpRequest) -> dict[str, int]:
    return {"ended": services.end_other_sessions(actor=request.user, request=request)}
