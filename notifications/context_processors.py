from notifications.selectors import unread_count


def unread(request) -> dict:
    """The header bell's unread count (one indexed count, signed-in pages only)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user_id=user.pk)}
