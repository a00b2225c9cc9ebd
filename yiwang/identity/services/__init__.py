"""Identity services: the only code that changes identity state. One file per concern;
import from here."""

from yiwang.identity.services.accounts import create_staff_account, record_login, record_logout
from yiwang.identity.services.codes import check_code, issue_code
from yiwang.identity.services.sessions import session_factors, sign_in, sign_out

__all__ = [
    "check_code",
    "create_staff_account",
    "issue_code",
    "record_login",
    "record_logout",
    "session_factors",
    "sign_in",
    "sign_out",
]
