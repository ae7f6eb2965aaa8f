"""Pages: integrity."""

urlpatterns: list = []
