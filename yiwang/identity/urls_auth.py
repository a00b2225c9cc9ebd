"""Sign-in, second factor, logout and account-security pages."""

from django.urls import URLPattern, path

from yiwang.identity import views, views_security

urlpatterns: list[URLPattern] = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/login/sms/", views.login_sms, name="login-sms"),
    path("account/login/sms/code/", views.login_sms_code, name="login-sms-code"),
    path("account/mfa/", views.mfa, name="mfa"),
    path("account/mfa/enrol/", views.mfa_enrol, name="mfa-enrol"),
    path("account/mfa/passkey/options/", views.mfa_passkey_options, name="mfa-passkey-options"),
    path("account/mfa/passkey/verify/", views.mfa_passkey_verify, name="mfa-passkey-verify"),
    path("account/logout/", views.logout, name="logout"),
    path("account/security/", views_security.security, name="security"),
    path("account/security/confirm/", views_security.reauth, name="reauth"),
    path("account/security/totp/add/", views_security.totp_add, name="security-totp-add"),
    path(
        "account/security/totp/<int:device_id>/remove/",
        views_security.totp_remove,
        name="security-totp-remove",
    ),
    path(
        "account/security/passkey/options/",
        views_security.passkey_options,
        name="security-passkey-options",
    ),
    path(
        "account/security/passkey/register/",
        views_security.passkey_register,
        name="security-passkey-register",
    ),
    path(
        "account/security/passkey/<int:passkey_id>/remove/",
        views_security.passkey_remove,
        name="security-passkey-remove",
    ),
    path("account/security/mobile/", views_security.mobile_change, name="security-mobile"),
    path("account/security/password/", views_security.password_change, name="security-password"),
    path(
        "account/security/mobile/code/",
        views_security.mobile_change_code,
        name="security-mobile-code",
    ),
    path(
        "account/security/sessions/end-others/",
        views_security.end_other_sessions,
        name="security-end-others",
    ),
]
