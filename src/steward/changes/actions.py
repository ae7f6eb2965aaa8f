"""The action tables of Change Management (``core.actions``): the buttons of the change,
request-for-change, task and planned-event pages (seed 003 ch. 3), each with its page URL
and its ``POST /api/v1/<records>/{id}/<key>/``. The services check everything again."""
