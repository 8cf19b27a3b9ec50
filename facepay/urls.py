"""Mounts each app: pages at /<app>/, API at /api/<app>/, plus schema, docs, health and auth."""

from types import ModuleType

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from credit import urls as credit_urls
from customers import urls as customers_urls
from facepay import api, face_api, views
from facepay.forms import AdminSignInForm
from merchants import urls as merchants_urls
from payments import urls as payments_urls
from payments.desk import urls as desk_urls
from payments.sales import urls as sales_urls


def app_urls(app: str, *modules: ModuleType) -> list[URLPattern | URLResolver]:
    """Pages at /<app>/ (namespace <app>), API at /api/<app>/ (namespace <app>_api), from one or
    more url modules (the merchant portal's sales area is payments.sales.urls)."""
    pages = [pattern for module in modules for pattern in module.urlpatterns]
    apis = [pattern for module in modules for pattern in module.api_urlpatterns]
    return [
        path(f"{app}/", include((pages, app))),
        path(f"api/{app}/", include((apis, f"{app}_api"))),
    ]


handler400 = "facepay.middleware.bad_request"
handler403 = "facepay.middleware.permission_denied"
handler404 = "facepay.middleware.page_not_found"
handler500 = "facepay.middleware.server_error"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("accuracy/", views.accuracy, name="accuracy"),
    path("healthz", views.healthz, name="healthz"),
    path("ops/", views.ops, name="ops"),
    path("ops/ping/", views.ops_ping, name="ops_ping"),
    path("ops/disputes/", include((desk_urls.ops_urlpatterns, "ops_disputes"))),
    path("accounts/login/", views.RateLimitedLoginView.as_view(), name="login"),
    path("accounts/login/code/", views.sign_in_code_send, name="sign_in_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/me/", api.MeApi.as_view(), name="api_me"),
    path("api/me/reauthenticate", api.ReauthenticateApi.as_view(), name="api_reauthenticate"),
    path(
        "api/me/reauthenticate/code",
        api.ReauthenticationCodeApi.as_view(),
        name="api_reauthenticate_code",
    ),
    path("api/face/check", face_api.FaceCheckApi.as_view(), name="api_face_check"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    *app_urls("customers", customers_urls),
    *app_urls("merchants", merchants_urls, sales_urls),
    *app_urls("payments", payments_urls, desk_urls),
    *app_urls("credit", credit_urls),
]
