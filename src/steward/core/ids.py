"""What a record id is, for every place that reads one from outside.

Ids are positive 64-bit integers (``BigAutoField``). A number beyond that range cannot
name a record, and handed to the database it does not simply match nothing: SQLite raises
``OverflowError`` and PostgreSQL an out-of-range error, i.e. a 500. So ids from query
strings, forms and payloads are parsed and bounded here, and the bound is written into
the OpenAPI schema, before any query sees them.
"""

from typing import Any

MIN_ID = 1
MAX_ID = 2**63 - 1  # the largest BIGINT on SQLite and PostgreSQL alike

#: The bounds of every other whole number the API accepts and the database stores in an
#: INTEGER column (counts, days, seconds, percentages), so none overflows on PostgreSQL.
MAX_INT = 2**31 - 1


def parse_id(value: Any) -> int | None:
    """The id ``value`` stands for, or None when it cannot name a record.

    Only ASCII digits count: ``str.isdigit`` also accepts "²" and other digits that
    ``int()`` or the database then refuse.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if MIN_ID <= number <= MAX_ID else None
