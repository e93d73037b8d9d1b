"""Claiming rows for a delivery: one conditional UPDATE ... RETURNING, so two runs never both take a row."""

from datetime import datetime

from django.db import connection

from notifications.models import Kind, Notification

# One e-mail per follower and stream within this window for these kinds ("scheduled" then "live" soon after).
STREAM_EMAIL_WINDOW_SECONDS = 60 * 60
STREAM_EMAIL_KINDS = (Kind.LIVE.value, Kind.SCHEDULED.value)


def claim(*, ids: list[int], stamp: str, at: datetime, stream_window_from: datetime | None = None) -> list[int]:
    """Stamp ``stamp`` (``emailed_at``/``pushed_at``) on those of ``ids`` not yet stamped; return the ids taken.

    With ``stream_window_from``, a go-live or scheduled row is not taken when the same user already had one of
    those for the same stream stamped since then (the e-mail rule: one per stream per hour). PostgreSQL and
    SQLite (3.35+) both answer RETURNING.
    """
    if not ids:
        return []
    if stamp not in {"emailed_at", "pushed_at"}:
        raise ValueError(stamp)
    table = connection.ops.quote_name(Notification._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    params: list = [adapt(at)]
    sql = f"UPDATE {table} SET {stamp} = %s WHERE id IN ({', '.join(['%s'] * len(ids))}) AND {stamp} IS NULL"
    params += list(ids)
    if stream_window_from is not None:
        kinds = ", ".join(["%s"] * len(STREAM_EMAIL_KINDS))
        sql += (
            f" AND NOT ({table}.kind IN ({kinds}) AND {table}.stream_id IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM {table} AS earlier WHERE earlier.user_id = {table}.user_id"
            f" AND earlier.stream_id = {table}.stream_id AND earlier.kind IN ({kinds})"
            f" AND earlier.{stamp} >= %s AND earlier.id <> {table}.id))"
        )
        params += [*STREAM_EMAIL_KINDS, *STREAM_EMAIL_KINDS, adapt(stream_window_from)]
    sql += " RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def release(*, ids: list[int], stamp: str, at: datetime) -> None:
    """Undo a claim made at ``at`` for rows that were not sent after all (a later retry may take them)."""
    if ids:
        Notification.objects.filter(pk__in=ids, **{stamp: at}).update(**{stamp: None})
