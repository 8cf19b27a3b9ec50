"""Refund and dispute routes: the merchant's payment page and the customer's receipt dispute sit
in the payments namespace (/payments/); the operator's desk is mounted at /ops/disputes/ in the
ops_disputes namespace by facepay.urls."""

from django.urls import path

from payments.desk import views

urlpatterns = [
    path("recent/<uuid:payment_id>/", views.payment_detail, name="payment_detail"),
    path("receipts/<uuid:payment_id>/dispute/", views.receipt_dispute, name="receipt_dispute"),
]

api_urlpatterns: list = []

ops_urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
]
