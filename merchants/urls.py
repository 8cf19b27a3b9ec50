from django.urls import path

from merchants import api, views

app_name = "merchants"

# The sales pages and API (dashboard, payments, refunds, settlements) are payments.sales.urls,
# mounted in this namespace by facepay.urls.

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("application/", views.application, name="application"),
    path("application/submit/", views.application_submit, name="application_submit"),
    path("application/<int:merchant_id>/licence/", views.licence, name="licence"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:merchant_id>/decide/", views.review_decide, name="review_decide"),
    path("stores/", views.stores, name="stores"),
    path("stores/new/", views.store_create, name="store_create"),
    path("stores/<int:store_id>/staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:staff_id>/remove/", views.staff_remove, name="staff_remove"),
    path("stores/<int:store_id>/terminals/new/", views.terminal_register, name="terminal_register"),
    path("terminals/<int:terminal_id>/rotate/", views.terminal_rotate, name="terminal_rotate"),
    path("terminals/<int:terminal_id>/revoke/", views.terminal_revoke, name="terminal_revoke"),
]

api_urlpatterns = [
    path("terminal/me", api.TerminalMeApi.as_view(), name="terminal_me"),
    path("stores", api.MerchantStoreListApi.as_view(), name="stores"),
    path("terminals", api.MerchantTerminalListApi.as_view(), name="terminals"),
]
