"""The merchant portal's sales routes: facepay.urls mounts them in the merchants namespaces
(pages at /merchants/, API at /api/merchants/), beside merchants.urls."""

from django.urls import path

from payments.sales import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("payments.csv", views.payments_csv, name="payments_csv"),
    path("settlements/", views.settlements, name="settlements"),
    path("settlements.csv", views.settlements_csv, name="settlements_csv"),
]

api_urlpatterns = [
    path("dashboard", api.MerchantDashboardApi.as_view(), name="dashboard"),
    path("payments", api.MerchantPaymentListApi.as_view(), name="payments"),
    path("refunds", api.MerchantRefundListApi.as_view(), name="refunds"),
    path("settlements", api.MerchantSettlementListApi.as_view(), name="settlements"),
]
