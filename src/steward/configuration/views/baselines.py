"""Pages: baselines."""

urlpatterns: list = []
