from django.db import models


class ServiceStatus(models.TextChoices):
    IN_DESIGN = "in_design", "In design"
    ACTIVE = "active", "Active"
    DISCONTINUED = "discontinued", "Discontinued"
