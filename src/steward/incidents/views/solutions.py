"""Pages: solutions."""

urlpatterns: list = []
