from django.urls import path

from credit import api, views

app_name = "credit"

urlpatterns = [
    path("", views.home, name="home"),
    path("score-all/", views.score_all, name="score_all"),
    path("export.<str:fmt>", views.export, name="export"),
    path("merchants/<int:merchant_id>/", views.merchant_detail, name="merchant_detail"),
    path("merchants/<int:merchant_id>/rescore/", views.rescore, name="rescore"),
    path("scores/<int:score_id>/override/", views.override_request, name="override_request"),
    path("overrides/<int:override_id>/decide/", views.override_decide, name="override_decide"),
    path("contests/<int:contest_id>/resolve/", views.contest_resolve, name="contest_resolve"),
    path("priority/", views.priority, name="priority"),
    path("drift/", views.drift, name="drift"),
    path("models/", views.models, name="models"),
    path("models/<int:model_id>/", views.model_detail, name="model_detail"),
    path("models/<int:model_id>/promote/", views.model_promote, name="model_promote"),
    path("my-score/", views.merchant_score, name="merchant_score"),
    path("my-score/<int:merchant_id>/contest/", views.contest_open, name="contest_open"),
]

api_urlpatterns = [
    path("scores", api.ScoreListApi.as_view(), name="scores"),
    path(
        "merchants/<int:merchant_id>/score", api.MerchantScoreApi.as_view(), name="merchant_score"
    ),
    path("my-scores", api.MyScoresApi.as_view(), name="my_scores"),
    path(
        "scores/<int:score_id>/overrides", api.OverrideCreateApi.as_view(), name="override_create"
    ),
    path(
        "overrides/<int:override_id>/decision",
        api.OverrideDecideApi.as_view(),
        name="override_decide",
    ),
    path("outcomes", api.OutcomesUploadApi.as_view(), name="outcomes_upload"),
]
