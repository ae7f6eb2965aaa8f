"""Pages: cis."""

urlpatterns: list = []
