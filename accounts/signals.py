"""Sockets opened with a credential that has ended are told at once (issue 11).

Revoking a token, logging out and deactivating a user send ``auth.ended`` to the user's Channels group
(``user_<id>``) once the change commits; a socket whose own credential is the one that ended closes 4401.
The chat consumer also re-checks its credential on every message it sends (accounts.selectors
socket_credential_valid), so a close that races a message cannot let the message through.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import User
from accounts.tokens import Token
from livestream.events import user_group

AUTH_ENDED = "auth.ended"  # the consumer's auth_ended handler


def auth_ended_send(*, user_id, token: str | None = None, session: str | None = None) -> None:
    """Tell every socket of ``user_id`` (after commit) that a token, a session, or the whole user (neither) ended."""
    message = {"type": AUTH_ENDED, "user_id": str(user_id), "token": token, "session": session}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(user_group(user_id), message)

    transaction.on_commit(send, robust=True)


def _token_deleted(sender, instance, **kwargs) -> None:
    auth_ended_send(user_id=instance.user_id, token=instance.key)


def _logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if user is not None and session is not None and session.session_key:
        auth_ended_send(user_id=user.pk, session=session.session_key)


def _user_saved(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        auth_ended_send(user_id=instance.pk)


def connect() -> None:
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="accounts.token_deleted")
    user_logged_out.connect(_logged_out, dispatch_uid="accounts.logged_out")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.user_saved")
