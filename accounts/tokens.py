"""API tokens: where they are stored, and the one module that knows it.

A token is DRF's authtoken model (``authtoken_token``: key, user, created), used here as plain storage:
``rest_framework.authentication.TokenAuthentication`` reads the same table, and so does the PostgreSQL gift
function (it checks the caller's token in the statement that moves the coins). Nothing else of DRF belongs in
the domain; the import-linter contracts allow this one import and no other (see .importlinter).
"""

from rest_framework.authtoken.models import Token

__all__ = ["Token"]
