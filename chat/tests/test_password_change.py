"""Issue 11: a password change, and a deactivation in bulk, end that user's open sockets as they end sessions.

A changed password ends every other session (Django: the session's hash no longer matches) and the user's API
token; the sockets standing on them close 4401 at once, whichever path changed it (the browser page, the admin,
set_password + save anywhere). Deactivating users in bulk goes through ``users_deactivate``, which tells them too.
"""

import pytest
from channels.db import database_sync_to_async

from accounts.models import User
from accounts.services import users_deactivate
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import Token
from chat.models import ChatMessage
from chat.tests.test_auth_ended import _logged_in_client, closed_4401, session_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

NEW_PASSWORD = "Zuma-rock-at-dawn-77"


async def test_set_password_and_save_closes_every_socket_and_ends_the_token(live_stream, viewer, sockets):
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    socket = await sockets(live_stream, viewer)
    try:

        def change() -> None:
            user = User.objects.get(pk=viewer.pk)  # as any service would: load, set, save
            user.set_password(NEW_PASSWORD)
            user.save()

        await database_sync_to_async(change)()
        await closed_4401(socket.communicator)
        await closed_4401(communicator)
        assert not await database_sync_to_async(Token.objects.filter(user=viewer).exists)()
    finally:
        await communicator.disconnect()


async def test_a_save_that_keeps_the_password_closes_nothing(live_stream, viewer, sockets):
    socket = await sockets(live_stream, viewer)

    def rename() -> None:
        user = User.objects.get(pk=viewer.pk)
        user.first_name = "Ada"
        user.save()

    await database_sync_to_async(rename)()
    await socket.send("still here")
    assert (await socket.expect("chat_message"))["message"]["content"] == "still here"
    assert await database_sync_to_async(Token.objects.filter(user=viewer).exists)()


async def test_the_browser_password_page_closes_the_other_sessions_socket(live_stream, viewer):
    other_browser = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, other_browser)
    this_browser = await database_sync_to_async(_logged_in_client)(viewer)
    try:
        page = await database_sync_to_async(this_browser.get)("/accounts/password/")
        assert page.status_code == 200
        response = await database_sync_to_async(this_browser.post)(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 302
        await closed_4401(communicator)
        # The browser that changed it stays signed in (Django keeps its session); the other one is signed out.
        assert (await database_sync_to_async(this_browser.get)("/api/v1/users/me")).status_code == 200
        assert (await database_sync_to_async(other_browser.get)("/api/v1/users/me")).status_code in (401, 403)
    finally:
        await communicator.disconnect()


async def test_a_password_change_in_the_admin_closes_the_users_sockets(live_stream, viewer, sockets):
    staff = await database_sync_to_async(UserFactory)(username="staffer", is_staff=True, is_superuser=True)
    admin = await database_sync_to_async(_logged_in_client)(staff)
    socket = await sockets(live_stream, viewer)
    response = await database_sync_to_async(admin.post)(
        f"/admin/accounts/user/{viewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:500]
    await closed_4401(socket.communicator)


async def test_a_message_racing_the_password_change_is_refused(live_stream, viewer, monkeypatch):
    """The close "is late": the socket's next message finds its session's password hash stale, and is refused."""
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    try:
        monkeypatch.setattr("accounts.signals.auth_ended_send", lambda **kwargs: None)

        def change() -> None:
            user = User.objects.get(pk=viewer.pk)
            user.set_password(NEW_PASSWORD)
            user.save()

        await database_sync_to_async(change)()
        await communicator.send_json_to({"type": "chat_message", "content": "after the change"})
        await closed_4401(communicator)
        assert await database_sync_to_async(ChatMessage.objects.count)() == 0
    finally:
        await communicator.disconnect()


async def test_users_deactivate_closes_each_users_sockets(live_stream, viewer, creator, sockets):
    bystander = await database_sync_to_async(UserFactory)(username="bystander")
    viewer_socket = await sockets(live_stream, viewer)
    creator_socket = await sockets(live_stream, creator)
    bystander_socket = await sockets(live_stream, bystander)
    changed = await database_sync_to_async(users_deactivate)(user_ids=[viewer.pk, creator.pk])
    assert changed == 2
    await closed_4401(viewer_socket.communicator)
    await closed_4401(creator_socket.communicator)
    await bystander_socket.send("still here")
    assert (await bystander_socket.expect("chat_message"))["message"]["content"] == "still here"
    active = await database_sync_to_async(lambda: set(User.objects.filter(is_active=True).values_list("username")))()
    assert active == {("bystander",)}


async def test_the_admins_bulk_deactivate_action_closes_each_users_sockets(live_stream, viewer, sockets):
    staff = await database_sync_to_async(UserFactory)(username="staffer", is_staff=True, is_superuser=True)
    admin = await database_sync_to_async(_logged_in_client)(staff)
    socket = await sockets(live_stream, viewer)
    response = await database_sync_to_async(admin.post)(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [str(viewer.pk)]}
    )
    assert response.status_code == 302
    await closed_4401(socket.communicator)
    assert not await database_sync_to_async(lambda: User.objects.get(pk=viewer.pk).is_active)()


async def test_deleting_a_user_closes_their_session_socket(live_stream, viewer):
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    try:
        # Once its echo is back the socket has finished joining (its viewer session is written).
        await communicator.send_json_to({"type": "chat_message", "content": "here"})
        while '"here"' not in (await communicator.receive_output(timeout=3)).get("text", ""):
            pass
        await database_sync_to_async(User.objects.filter(pk=viewer.pk).delete)()
        await closed_4401(communicator)
    finally:
        await communicator.disconnect()
