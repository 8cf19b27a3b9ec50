from django.urls import path

from payments import api, views

app_name = "payments"

urlpatterns = [
    path("terminal/", views.terminal_picker, name="terminal_picker"),
    path("terminal/<int:terminal_id>/", views.terminal_screen, name="terminal"),
    path("terminal/<int:terminal_id>/pair/", views.terminal_pair, name="terminal_pair"),
    path("recent/", views.payment_list, name="payment_list"),
    path("face-payments/", views.face_payments, name="face_payments"),
    path("face-payments/<uuid:payment_id>/not-me/", views.not_me, name="not_me"),
    path(
        "settlements/<int:batch_id>/reconciliation.csv",
        views.settlement_csv,
        name="settlement_csv",
    ),
    path("settlements/<int:batch_id>/", views.settlement_detail, name="settlement_detail"),
]

api_urlpatterns = [
    path("terminal/attempts/", api.PaymentAttemptCreateApi.as_view(), name="attempt_create"),
    path("terminal/attempts/code/", api.PaymentAttemptCodeApi.as_view(), name="attempt_code"),
    path(
        "terminal/attempts/<uuid:attempt_id>/",
        api.PaymentAttemptDetailApi.as_view(),
        name="attempt_detail",
    ),
    path(
        "terminal/attempts/<uuid:attempt_id>/burst/",
        api.PaymentAttemptBurstApi.as_view(),
        name="attempt_burst",
    ),
    path(
        "terminal/attempts/<uuid:attempt_id>/step-up/",
        api.PaymentAttemptStepUpApi.as_view(),
        name="attempt_step_up",
    ),
    path(
        "terminal/attempts/<uuid:attempt_id>/confirm/",
        api.PaymentAttemptConfirmApi.as_view(),
        name="attempt_confirm",
    ),
    path(
        "terminal/attempts/<uuid:attempt_id>/cancel/",
        api.PaymentAttemptCancelApi.as_view(),
        name="attempt_cancel",
    ),
    path(
        "terminal/attempts/<uuid:attempt_id>/refunds/",
        api.PaymentAttemptRefundApi.as_view(),
        name="attempt_refund",
    ),
    path("payments/<uuid:attempt_id>/refunds/", api.PaymentRefundApi.as_view(), name="refund"),
    path("disputes/", api.DisputeOpenApi.as_view(), name="dispute_open"),
]
