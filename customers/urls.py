from django.urls import path

from customers import api, views

app_name = "customers"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("verify-phone/", views.verify_phone, name="verify_phone"),
    path("consent/", views.consent, name="consent"),
    path("consent/record.json", views.consent_record, name="consent_record"),
    path("enrol/", views.enrol, name="enrol"),
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/payments/<uuid:payment_id>/", views.receipt, name="receipt"),
    path("controls/", views.controls, name="controls"),
    path(
        "controls/codes/<int:code_id>/state.json",
        views.payment_code_state,
        name="payment_code_state",
    ),
    path("face-pay/resume/", views.face_pay_resume, name="face_pay_resume"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export.<str:file_format>", views.export, name="export"),
]

api_urlpatterns = [
    path("signup", api.SignUpApi.as_view(), name="signup"),
    path("phone/code", api.PhoneCodeSendApi.as_view(), name="phone_code"),
    path("phone/verify", api.PhoneVerifyApi.as_view(), name="phone_verify"),
    path("me", api.ProfileApi.as_view(), name="profile"),
    path("consents", api.ConsentListApi.as_view(), name="consents"),
    path("consents/give", api.ConsentGiveApi.as_view(), name="consent_give"),
    path("consents/withdraw", api.ConsentWithdrawApi.as_view(), name="consent_withdraw"),
    path("consents/record", api.ConsentRecordApi.as_view(), name="consent_record"),
    path("face", api.FaceTemplateApi.as_view(), name="face"),
    path("face/enrol", api.FaceEnrolApi.as_view(), name="face_enrol"),
    path("face/enrol/challenge", api.EnrolmentChallengeApi.as_view(), name="face_enrol_challenge"),
    path("face/uses", api.FaceUseListApi.as_view(), name="face_uses"),
    path("face/deletions", api.DeletionListApi.as_view(), name="face_deletions"),
    path("wallet", api.WalletApi.as_view(), name="wallet"),
    path("wallet/top-up", api.WalletTopUpApi.as_view(), name="wallet_top_up"),
    path("wallet/withdrawals", api.WalletWithdrawApi.as_view(), name="wallet_withdraw"),
    path("limits", api.LimitsApi.as_view(), name="limits"),
    path("face-pay", api.FacePaySwitchApi.as_view(), name="face_pay"),
    path("pin", api.PaymentPinApi.as_view(), name="pin"),
    path("payment-code", api.PaymentCodeApi.as_view(), name="payment_code"),
    path("export", api.ExportApi.as_view(), name="export"),
    path("close", api.AccountCloseApi.as_view(), name="close"),
]
