"""Change Management: change templates, task templates and change policies (proc. 1)."""

urlpatterns: list = []
