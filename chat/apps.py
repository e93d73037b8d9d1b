from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Live chat"

    def ready(self) -> None:
        from chat.rooms import RoomHub
        from livestream.events import room_listener_add

        # Without Redis, room events reach this process's hubs through the plumbing, which imports no app.
        room_listener_add(RoomHub.dispatch_everywhere)
