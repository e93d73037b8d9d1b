"""Stored files that go with the rows naming them: deleted once the transaction deleting (or replacing) those
rows commits. Plumbing: it knows no app."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from django.core.files.storage import Storage, default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def files_delete_on_commit(
    names: Iterable[str], *, storage: Storage | None = None, paths: Iterable[Path | str] = ()
) -> None:
    """Delete the files ``names`` (in ``storage``, the default storage unless given) and the local ``paths``
    once the caller's transaction commits (at once outside one); blank names are skipped.

    Storage may be object storage: network calls, made after commit, so a rollback never deletes a file a row
    still names, and no lock is held meanwhile. The rows are committed by then: a file that cannot be deleted
    (a storage timeout) is logged and left behind, never raised to the caller (who would answer 500 for a
    saved change) and never stops the other files going.
    """
    names = [name for name in names if name]
    paths = [Path(path) for path in paths if path]
    if not names and not paths:
        return
    storage = storage or default_storage

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except Exception:
                logger.exception("file %s was left behind: it could not be deleted", name)
        for path in paths:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                logger.exception("file %s was left behind: it could not be deleted", path)

    transaction.on_commit(delete, robust=True)
