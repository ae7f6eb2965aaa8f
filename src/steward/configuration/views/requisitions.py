"""Pages: requisitions."""

urlpatterns: list = []
