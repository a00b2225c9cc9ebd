"""The OpenID Connect provider's URLs. Discovery sits at the root (so the issuer is the site
itself); the endpoints under /oidc/. DOT reverses these names in its own namespace, so this
list is included with the namespace ``oauth2_provider``."""

from django.urls import path, re_path
from oauth2_provider import views as dot_views

from yiwang.identity import views_oidc

app_name = "oauth2_provider"

urlpatterns = [
    re_path(
        r"^\.well-known/openid-configuration$",
        views_oidc.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path("oidc/authorize/", views_oidc.ConsentView.as_view(), name="authorize"),
    path("oidc/token/", views_oidc.TokenView.as_view(), name="token"),
    path("oidc/revoke_token/", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oidc/jwks.json", dot_views.JwksInfoView.as_view(), name="jwks-info"),
    path("oidc/userinfo/", views_oidc.UserInfoView.as_view(), name="user-info"),
    path("oidc/logout/", views_oidc.LogoutView.as_view(), name="rp-initiated-logout"),
]
