from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User
from accounts.services import users_deactivate


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "is_verified", "is_staff", "date_joined")
    list_filter = ("is_verified", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Profile", {"fields": ("display_name", "is_verified")}))
    actions = ["deactivate_users"]

    @admin.action(description="Deactivate selected users (signs them out everywhere)", permissions=["change"])
    def deactivate_users(self, request, queryset):
        # Through the service, not queryset.update(): an update sends no signal, so no open socket would close.
        count = users_deactivate(user_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request, f"Deactivated {count} user(s); their open sessions and sockets are closed.", messages.SUCCESS
        )
