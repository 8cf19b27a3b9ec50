app_name = "payments"

urlpatterns: list = []

api_urlpatterns: list = []
