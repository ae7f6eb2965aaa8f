"""Change Management: the Change Management KPIs."""

urlpatterns: list = []
