"""Page forms of Configuration Management; one module per topic, named as in views/."""

from django import forms

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
