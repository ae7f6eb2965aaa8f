"""The page patterns every area reuses: access check, list page, record page, form page.

* ``StewardPageMixin``: login required, then ``core.access``, then the view's ``permission``
  (else 403). Every page view uses it, so one test can walk all URL patterns.
* ``RecordListView``: a queryset from the area's ``query(actor)``, the model's FilterSet,
  sorting by whitelisted columns (``?sort=col`` / ``?sort=-col``), pagination, CSV export
  of the filtered list (``?format=csv``) and the htmx partial of the results; one view
  serves the full page and the partial.
* ``RecordDetailView``: the record through ``x_for(actor, pk)`` (404 for what the actor may
  not see), a header with number/title/status, fields, related records, the actions the
  actor may take, attachments and the journal timeline with a note form.
* ``ServiceFormView``: a form whose valid data goes to a service; a service
  ``ValidationError`` lands next to the fields. A form on a versioned record carries its
  ``lock_version``: a save from an older version is refused (409) with the other
  person's changes shown and the person's own entries kept.
* ``RecordActionFormView``: a plain form acting on one record through a service (edit,
  terminate, add a contact), titled from ``title_format``.
* ``RecordTransitionView``: a POST button that moves a record on through a service and
  returns to its page with a message.

One module a pattern (``lists``, ``records``, ``forms``) over ``base``; the areas import
the names from here.
"""

from steward.core.views.patterns.base import (
    Action,
    Cell,
    Column,
    Field,
    Related,
    StewardPageMixin,
    apply_errors,
    build_cells,
    record_url,
    stream_csv,
)
from steward.core.views.patterns.forms import (
    RecordActionFormView,
    RecordEditView,
    ServiceFormView,
    redirect_back,
)
from steward.core.views.patterns.lists import RecordListView, friendly_filter_form
from steward.core.views.patterns.records import (
    NoteForm,
    RecordDetailView,
    RecordTransitionView,
    WorkNoteForm,
)

__all__ = [
    "Action", "Cell", "Column", "Field", "NoteForm", "RecordActionFormView", "RecordDetailView",
    "RecordEditView", "RecordListView", "RecordTransitionView", "Related", "ServiceFormView",
    "StewardPageMixin", "WorkNoteForm", "apply_errors", "build_cells", "friendly_filter_form",
    "record_url", "redirect_back", "stream_csv",
]  # fmt: skip
