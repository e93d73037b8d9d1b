"""Sockets opened with a credential that has ended are told at once (issue 11).

Revoking a token, logging out, deactivating or deleting a user and changing a password send ``auth.ended`` to
the user's Channels group (``user_<id>``) once the change commits; a socket whose own credential is the one that
ended closes 4401. The chat consumer also re-checks its credential on every message it sends (accounts.selectors
socket_credential_valid), so a close that races a message cannot let the message through.

A changed password (``set_password`` + ``save`` from any path: the browser page, the admin, ``changepassword``, a
service) ends what Django ends, every other session (their stored password hash no longer matches), and the user's
API token too; so every socket of the user closes. The browser that changed it keeps its session (Django's
``update_session_auth_hash``) and its page reconnects on the new one. A bulk ``update(is_active=False)`` sends no
signal: ``accounts.services.users_deactivate`` is the bulk path, and announces each user itself.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

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


def _user_saving(sender, instance, raw, update_fields, **kwargs) -> None:
    """Note whether this save changes the stored password (one primary-key read, only when it may)."""
    if raw or instance._state.adding or (update_fields is not None and "password" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


def _user_saved(sender, instance, created, **kwargs) -> None:
    password_changed = instance.__dict__.pop("_password_changed", False)
    if created:
        return
    if password_changed:
        # As Django ends the other sessions, end the API token: a password changed because it leaked must not
        # leave a token taken with it working. Deleting it tells its sockets (_token_deleted).
        Token.objects.filter(user_id=instance.pk).delete()
    if password_changed or not instance.is_active:
        auth_ended_send(user_id=instance.pk)


def _user_deleted(sender, instance, **kwargs) -> None:
    auth_ended_send(user_id=instance.pk)


def connect() -> None:
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="accounts.token_deleted")
    user_logged_out.connect(_logged_out, dispatch_uid="accounts.logged_out")
    pre_save.connect(_user_saving, sender=User, dispatch_uid="accounts.user_saving")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.user_saved")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="accounts.user_deleted")
