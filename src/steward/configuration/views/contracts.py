"""Pages: contracts."""

urlpatterns: list = []
