"""Human record numbers (``INC000123``), unique under concurrent creation.

One upsert statement increments the per-prefix counter and returns the new value.
The counter row stays locked until the caller's transaction ends, so numbers are
handed out in commit order and a rolled-back creation returns its number.
Both SQLite (3.35+) and PostgreSQL support ``INSERT ... ON CONFLICT ... RETURNING``.
"""

from django.db import connection, transaction

from steward.core.models import NumberedRecord, NumberSequence

DIGITS = 6

_UPSERT = (
    "INSERT INTO {table} (prefix, last_value) VALUES (%s, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last_value = {table}.last_value + 1 "
    "RETURNING last_value"
)


def next_value(prefix: str) -> int:
    """Take the next number for ``prefix``; call inside the creating transaction."""
    if not prefix or not prefix.isalpha() or not prefix.isupper() or len(prefix) > 8:
        raise ValueError(f"A record prefix is 1-8 capital letters, not {prefix!r}.")
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    # No savepoint inside the caller's transaction: a failure here fails it anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [prefix])
        return int(cursor.fetchone()[0])


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}{value:0{DIGITS}d}"


def next_number(prefix: str) -> str:
    return format_number(prefix, next_value(prefix))


def assign(record: NumberedRecord, prefix: str | None = None) -> str:
    """Give an unsaved record its number (no-op when it already has one).

    ``prefix`` overrides the model's ``NUMBER_PREFIX`` for types numbered by kind
    (agreements: SLA / OLA / UC).
    """
    if not record.number:
        record.number = next_number(prefix or type(record).NUMBER_PREFIX)
    return record.number
