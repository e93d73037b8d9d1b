from django.contrib import admin, messages
from django.utils.html import format_html

from streams.models import Category, CreatorProfile, Follow, ScheduleSlot, Stream, Tag
from streams.services import creator_verify, stream_rotate_key


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("preview", "name", "slug", "parent", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)

    @admin.display(description="Look")
    def preview(self, obj):
        return format_html(
            '<span style="display:inline-block;min-width:2.2em;padding:2px 6px;border-radius:4px;'
            'background:{};color:#fff;text-align:center">{}</span>',
            obj.colour,
            obj.icon or "·",
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    list_display = ("name",)


class ScheduleSlotInline(admin.TabularInline):
    model = ScheduleSlot
    extra = 0


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "is_verified", "timezone", "created_at")
    list_filter = ("user__is_verified",)
    search_fields = ("user__username", "user__display_name", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("created_at", "updated_at", "avatar_preview")
    raw_id_fields = ("user",)
    inlines = [ScheduleSlotInline]
    actions = ["verify", "unverify"]

    @admin.display(description="Display name")
    def display_name(self, obj):
        return obj.user.public_name

    @admin.display(boolean=True, description="Verified", ordering="user__is_verified")
    def is_verified(self, obj):
        return obj.user.is_verified

    @admin.display(description="Avatar")
    def avatar_preview(self, obj):
        return format_html('<img src="{}" width="96" height="96">', obj.avatar.url) if obj.avatar else "—"

    @admin.action(description="Verify the selected creators")
    def verify(self, request, queryset):
        count = creator_verify(users=[profile.user for profile in queryset.select_related("user")], verified=True)
        self.message_user(request, f"{count} creator(s) verified.", messages.SUCCESS)

    @admin.action(description="Remove the verified badge")
    def unverify(self, request, queryset):
        count = creator_verify(users=[profile.user for profile in queryset.select_related("user")], verified=False)
        self.message_user(request, f"{count} creator(s) unverified.", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "creator", "notify_go_live", "notify_scheduled", "created_at")
    search_fields = ("follower__username", "creator__username")
    raw_id_fields = ("follower", "creator")
    list_select_related = ("follower", "creator")


@admin.register(Stream)
class StreamAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "creator",
        "status",
        "visibility",
        "category",
        "current_viewers",
        "peak_viewers",
        "created_at",
    )
    list_filter = ("status", "visibility", "is_premium", "category")
    search_fields = ("title", "creator__username", "id")
    list_select_related = ("creator", "category")
    raw_id_fields = ("creator",)
    autocomplete_fields = ("tags", "category")
    readonly_fields = (
        "id",
        "stream_key",
        "started_at",
        "ended_at",
        "current_viewers",
        "peak_viewers",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
    actions = ["rotate_keys"]

    @admin.action(description="Rotate the stream keys")
    def rotate_keys(self, request, queryset):
        for stream in queryset:
            stream_rotate_key(stream=stream)
        self.message_user(request, f"{queryset.count()} key(s) rotated.", messages.SUCCESS)
