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
* ``ServicePostView``: a button posting one service call outside any action table, back
  with its message.
* ``InlineEditView`` / ``InlineField``: a record page's panel of fields edited in place
  (htmx), each saved through its service from the form's version (409 when stale).
* ``ActionView`` / ``action_urls(table, page=...)``: the POST URL of every action of an
  action table (``core.actions``): the buttons and step forms of a record page, through
  their services, back to the record page with a message (a refused form: on the page).

One module a pattern (``lists``, ``records``, ``forms``, ``actions``, ``inline``) over ``base``; the areas import
the names from here.
"""

from steward.core.views.patterns.actions import ActionView, action_urls, header_buttons
from steward.core.views.patterns.base import (
    STATUS_COLUMN,
    Action,
    Cell,
    Column,
    Field,
    RecordObjectMixin,
    Related,
    StewardPageMixin,
    apply_errors,
    build_cells,
    record_url,
    stream_csv,
    topic_urls,
)
from steward.core.views.patterns.forms import (
    RecordActionFormView,
    RecordEditView,
    ServiceFormView,
    redirect_back,
)
from steward.core.views.patterns.inline import InlineEditView, InlineField, panel_rows
from steward.core.views.patterns.lists import RecordListView, friendly_filter_form
from steward.core.views.patterns.posts import ServicePostView
from steward.core.views.patterns.records import (
    NoteForm,
    RecordDetailView,
    WorkNoteForm,
)

__all__ = [
    "STATUS_COLUMN",
    "Action",
    "ActionView",
    "Cell",
    "Column",
    "Field",
    "InlineEditView",
    "InlineField",
    "NoteForm",
    "RecordActionFormView",
    "RecordDetailView",
    "RecordEditView",
    "RecordListView",
    "RecordObjectMixin",
    "Related",
    "ServiceFormView",
    "ServicePostView",
    "StewardPageMixin",
    "WorkNoteForm",
    "action_urls",
    "apply_errors",
    "build_cells",
    "friendly_filter_form",
    "header_buttons",
    "panel_rows",
    "record_url",
    "redirect_back",
    "stream_csv",
    "topic_urls",
]  # fmt: skip
