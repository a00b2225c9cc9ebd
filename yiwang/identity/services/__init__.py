"""Identity services: the only code that changes identity state. One file per concern;
import from here."""

from yiwang.identity.services.accounts import (
    change_mobile,
    change_password,
    create_staff_account,
    disable_account,
)
from yiwang.identity.services.authentication import (
    check_passkey,
    check_password_login,
    check_sms_login,
    check_totp,
    complete_first_factor,
    complete_second_factor,
    send_login_code,
)
from yiwang.identity.services.codes import check_code, issue_code
from yiwang.identity.services.directory import find_verified_account
from yiwang.identity.services.enterprise import (
    ACTING_FOR_KEY,
    act_as_self,
    act_for_entity,
    agent_scope,
    bind_entity,
    current_acting_for,
    delegate_agent,
    entities_for,
    revoke_delegation,
)
from yiwang.identity.services.factors import (
    enrol_totp,
    register_passkey,
    remove_passkey,
    remove_totp,
)
from yiwang.identity.services.oidc import (
    record_code_issued,
    record_consent_denied,
    record_oidc_logout,
    record_oidc_refusal,
    record_signing_key_change,
    record_token_granted,
)
from yiwang.identity.services.registration import (
    create_citizen_account,
    register_account,
    send_registration_code,
)
from yiwang.identity.services.sessions import end_other_sessions, session_factors, sign_in, sign_out
from yiwang.identity.services.verification import require_level, verify_real_name

__all__ = [
    "ACTING_FOR_KEY",
    "act_as_self",
    "act_for_entity",
    "agent_scope",
    "bind_entity",
    "change_mobile",
    "change_password",
    "check_code",
    "check_passkey",
    "check_password_login",
    "check_sms_login",
    "check_totp",
    "complete_first_factor",
    "complete_second_factor",
    "create_citizen_account",
    "create_staff_account",
    "current_acting_for",
    "delegate_agent",
    "disable_account",
    "end_other_sessions",
    "enrol_totp",
    "entities_for",
    "find_verified_account",
    "issue_code",
    "record_code_issued",
    "record_consent_denied",
    "record_oidc_logout",
    "record_oidc_refusal",
    "record_signing_key_change",
    "record_token_granted",
    "register_account",
    "register_passkey",
    "remove_passkey",
    "remove_totp",
    "require_level",
    "revoke_delegation",
    "send_login_code",
    "send_registration_code",
    "session_factors",
    "sign_in",
    "sign_out",
    "verify_real_name",
]
