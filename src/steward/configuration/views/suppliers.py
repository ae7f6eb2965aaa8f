"""Pages: suppliers."""

urlpatterns: list = []
