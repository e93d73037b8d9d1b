from django.contrib import admin, messages
from django.utils.html import format_html

from chat.models import BlockedTerm, ChatBan, ChatMessage, ChatModerator, ChatSettings, MessageReport
from chat.services import blocked_terms_changed, message_report_resolve


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin):
    """The review queue: open reports first, with the message in view."""

    list_display = ("created_at", "status", "reason", "message_text", "author", "reporter", "stream")
    list_filter = ("status", "reason")
    search_fields = ("message__content", "message__user__username", "reporter__username")
    list_select_related = ("message__user", "message__stream", "reporter")
    readonly_fields = ("message", "reporter", "reason", "details", "created_at", "reviewed_by", "reviewed_at")
    actions = ["delete_message", "delete_message_and_ban_author", "dismiss"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-created_at")

    @admin.display(description="Message")
    def message_text(self, obj):
        style = "text-decoration:line-through" if obj.message.deleted_at else ""
        return format_html('<span style="{}">{}</span>', style, obj.message.content[:120])

    @admin.display(description="Author")
    def author(self, obj):
        return obj.message.user

    @admin.display(description="Stream")
    def stream(self, obj):
        return obj.message.stream

    @admin.action(description="Delete the reported messages")
    def delete_message(self, request, queryset):
        count = message_report_resolve(reports=queryset, reviewer=request.user, delete_message=True)
        self.message_user(request, f"{count} report(s) actioned: messages deleted.", messages.SUCCESS)

    @admin.action(description="Delete the messages and ban their authors from that stream")
    def delete_message_and_ban_author(self, request, queryset):
        count = message_report_resolve(reports=queryset, reviewer=request.user, delete_message=True, ban_author=True)
        self.message_user(request, f"{count} report(s) actioned: messages deleted, authors banned.", messages.SUCCESS)

    @admin.action(description="Dismiss the reports")
    def dismiss(self, request, queryset):
        count = message_report_resolve(reports=queryset, reviewer=request.user)
        self.message_user(request, f"{count} report(s) dismissed.", messages.SUCCESS)


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ("term", "is_active", "created_at")
    list_editable = ("is_active",)
    search_fields = ("term",)

    def save_model(self, request, obj, form, change):
        obj.term = obj.term.strip().casefold()
        super().save_model(request, obj, form, change)
        blocked_terms_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        blocked_terms_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        blocked_terms_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        blocked_terms_changed()


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "stream", "content", "message_type", "deleted_at")
    list_filter = ("message_type", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("content", "user__username")
    list_select_related = ("user", "stream")
    raw_id_fields = ("user", "stream", "deleted_by")
    date_hierarchy = "created_at"


@admin.register(ChatBan)
class ChatBanAdmin(admin.ModelAdmin):
    list_display = ("user", "stream", "reason", "expires_at", "moderator", "created_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user", "stream", "moderator")
    list_select_related = ("user", "stream", "moderator")


@admin.register(ChatModerator)
class ChatModeratorAdmin(admin.ModelAdmin):
    list_display = ("user", "stream", "created_at")
    raw_id_fields = ("user", "stream", "appointed_by")
    list_select_related = ("user", "stream")


@admin.register(ChatSettings)
class ChatSettingsAdmin(admin.ModelAdmin):
    list_display = ("stream", "slow_mode_seconds", "followers_only", "emote_only", "block_links")
    raw_id_fields = ("stream",)
