from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Live chat"

    def ready(self) -> None:
        # Lazy by design: the rooms import chat's models, which Django's app loading makes ready only now.
        from chat.rooms import RoomHub
        from livestream.events import room_listener_add

        # Without Redis, room events reach this process's hubs through the plumbing, which imports no app.
        room_listener_add(RoomHub.dispatch_everywhere)
