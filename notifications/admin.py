from django.contrib import admin

from notifications.models import Notification, Reminder


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what users were told (support answers "why did I get this?")."""

    list_display = ("title", "kind", "user", "listed", "created_at", "read_at", "emailed_at", "pushed_at")
    list_filter = ("kind", "listed")
    search_fields = ("user__username", "title", "dedupe_key")
    raw_id_fields = ("user", "actor", "stream")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("user", "stream", "minutes_before", "remind_at", "sent_at")
    list_filter = ("minutes_before",)
    raw_id_fields = ("user", "stream")
    search_fields = ("user__username",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
