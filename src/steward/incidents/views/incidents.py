"""Pages: incidents."""

urlpatterns: list = []
