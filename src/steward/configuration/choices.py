"""Choices of Configuration Management (seed 003 ch. 4; ISO/IEC 20000 Configuration Management)."""

from django.db import models


class ClassCategory(models.TextChoices):
    HARDWARE = "hardware", "Hardware"
    SOFTWARE = "software", "Software"
    NETWORK = "network", "Network"
    SERVICE_INFRASTRUCTURE = "service_infrastructure", "Service infrastructure"
    LICENCE = "licence", "Licence"
    DOCUMENTATION = "documentation", "Documentation"
    OTHER = "other", "Other"


class CIStatus(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    IN_STOCK = "in_stock", "In stock"
    IN_PRODUCTION = "in_production", "In production"
    IN_REPAIR = "in_repair", "In repair"
    RETIRED = "retired", "Retired"


class AttributeType(models.TextChoices):
    STRING = "string", "Text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Number"
    BOOLEAN = "boolean", "Yes/no"
    DATE = "date", "Date"
    CHOICE = "choice", "One of a list"
    IP_ADDRESS = "ip_address", "IP address"
    URL = "url", "URL"


class PersonRelation(models.TextChoices):
    USER = "user", "User"
    ADMINISTRATOR = "administrator", "Administrator"
    CONTACT = "contact", "Contact"
