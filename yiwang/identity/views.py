"""Staff login and logout pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yiwang.identity import services


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def confirm_login_allowed(self, user: object) -> None:
        super().confirm_login_allowed(user)  # type: ignore[arg-type]
        if not getattr(user, "is_staff", False):
            raise self.get_invalid_login_error()


class StaffLoginView(auth_views.LoginView):
    template_name = "identity/staff_login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.record_login(form.get_user())
        return response


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponseBase:
    services.record_logout(request.user)
    return auth_views.LogoutView.as_view(next_page="portal:home")(request)
