"""Django admin for this area: nothing registered yet.

Its records change only through the services (workflows, journal and notifications live
there) and its pages cover looking things up. A read-only ModelAdmin per model, as in
``service_level/admin.py``, goes here when administrators need one.
"""
