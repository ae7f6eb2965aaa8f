"""The action tables of Event Management (``core.actions``): the buttons of the event page
and the console (seed 003 ch. 6 proc. 1), each with its page URL and its
``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""

# --- console: acknowledging and closing events (proc. 1) --------------------------------
# (section owned by the console topic: the table EVENT)
