"""What the watch page's chat needs to know of its viewer, for the first paint: their role (moderator tools),
who they are (their mentions), and the rules they chat under. Streams' page view knows nothing of chat."""

from django import template

from chat.selectors import chat_role, chat_settings_payload

register = template.Library()


@register.simple_tag
def chat_viewer(stream, user) -> dict:
    role = chat_role(stream=stream, user=user)
    signed_in = user is not None and user.is_authenticated
    return {
        "role": role or "",
        "moderates": role is not None,
        "user_id": str(user.pk) if signed_in else "",
        "username": user.username if signed_in else "",
        "settings": chat_settings_payload(stream),
    }
