import math

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html

from chat.models import (
    BlockedTerm,
    ChannelChatSettings,
    ChatBan,
    ChatMessage,
    ChatModerator,
    ChatSettings,
    Emote,
    MessageReport,
)
from chat.services import (
    SETTINGS_FIELDS,
    blocked_terms_changed,
    chat_ban_create,
    chat_ban_lift,
    chat_channel_ban_create,
    chat_channel_ban_lift,
    chat_channel_moderator_add,
    chat_channel_moderator_remove,
    chat_channel_settings_update,
    chat_message_delete,
    chat_moderator_add,
    chat_moderator_remove,
    chat_settings_update,
    emotes_changed,
    message_report_resolve,
)
from livestream.errors import DomainError
from livestream.files import files_delete_on_commit
from livestream.images import image_process

EMOTE_IMAGE_SIZE = (112, 112)  # shown at 28 px: 4x for the sharpest screens, small enough to stay light


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


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose writes go through chat's services, so staff meet the API's rules and the room hears of it.

    The services it calls (delete, moderator add, ban, settings) join the admin's transaction rather than open a
    durable one, so a service's refusal unwinds the whole view (the admin's log entry too) and shows as a
    message, nothing saved; their room events still go after the admin's commit.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (DomainError, ValidationError) as exc:
            return self._refused(request, exc)

    def _refused(self, request, exc):
        detail = exc.detail if isinstance(exc, DomainError) else " ".join(exc.messages)
        self.message_user(request, f"Nothing was saved: {detail}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        """The "delete selected" action: each row through delete_model (its service); a refusal is shown."""
        for obj in queryset:
            try:
                self.delete_model(request, obj)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)


@admin.register(ChatMessage)
class ChatMessageAdmin(ServiceAdmin):
    """What was said is not rewritten here; a delete is chat_message_delete's (soft, and the room hears it)."""

    list_display = ("created_at", "user", "stream", "content", "message_type", "deleted_at")
    list_filter = ("message_type", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("content", "user__username")
    list_select_related = ("user", "stream")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # messages are sent by users

    def has_change_permission(self, request, obj=None):
        return False  # shown, never edited

    def delete_model(self, request, obj):
        chat_message_delete(stream=obj.stream, message_id=obj.pk, actor=request.user)


class ChatBanForm(forms.ModelForm):
    class Meta:
        model = ChatBan
        fields = ("stream", "creator", "user", "reason", "expires_at")

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise ValidationError("A timeout ends in the future; leave empty for a ban.")
        return expires_at


class ScopeFilter(admin.SimpleListFilter):
    """One stream's rows, or a whole channel's."""

    title = "scope"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("stream", "One stream"), ("channel", "A whole channel")]

    def queryset(self, request, queryset):
        if self.value() in ("stream", "channel"):
            return queryset.filter(creator__isnull=self.value() == "stream")
        return queryset


@admin.register(ChatBan)
class ChatBanAdmin(ServiceAdmin):
    """Bans and timeouts of one stream (``stream``) through chat_ban_create and chat_ban_lift, or of a creator's
    whole channel (``creator``) through chat_channel_ban_create and chat_channel_ban_lift; the user hears it on
    every socket it concerns."""

    form = ChatBanForm
    list_display = ("user", "stream", "creator", "reason", "expires_at", "moderator", "created_at")
    list_filter = (ScopeFilter,)
    search_fields = ("user__username", "creator__username")
    raw_id_fields = ("user", "stream", "creator")
    list_select_related = ("user", "stream", "creator", "moderator")
    readonly_fields = ("moderator", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "stream", "creator", "user") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        duration = None
        if obj.expires_at is not None:
            duration = max(1, math.ceil((obj.expires_at - timezone.now()).total_seconds()))
        fields = {"actor": request.user, "user": obj.user, "duration_seconds": duration, "reason": obj.reason}
        if obj.creator_id is not None:
            ban = chat_channel_ban_create(creator=obj.creator, **fields)
        else:
            ban = chat_ban_create(stream=obj.stream, **fields)
        obj.pk = ban.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        if obj.creator_id is not None:
            chat_channel_ban_lift(creator=obj.creator, actor=request.user, user=obj.user)
        else:
            chat_ban_lift(stream=obj.stream, actor=request.user, user=obj.user)


@admin.register(ChatModerator)
class ChatModeratorAdmin(ServiceAdmin):
    """Moderators of one stream (``stream``: chat_moderator_add / chat_moderator_remove) or of a creator's whole
    channel (``creator``: chat_channel_moderator_add / chat_channel_moderator_remove); appointing lifts their bans
    there."""

    list_display = ("user", "stream", "creator", "appointed_by", "created_at")
    list_filter = (ScopeFilter,)
    search_fields = ("user__username", "creator__username")
    raw_id_fields = ("user", "stream", "creator")
    list_select_related = ("user", "stream", "creator", "appointed_by")
    fields = ("stream", "creator", "user", "appointed_by", "created_at")
    readonly_fields = ("appointed_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "stream", "creator", "user") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of an appointment is edited
        if obj.creator_id is not None:
            moderator, _ = chat_channel_moderator_add(creator=obj.creator, actor=request.user, user=obj.user)
        else:
            moderator, _ = chat_moderator_add(stream=obj.stream, actor=request.user, user=obj.user)
        obj.pk = moderator.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        if obj.creator_id is not None:
            chat_channel_moderator_remove(creator=obj.creator, actor=request.user, user=obj.user)
        else:
            chat_moderator_remove(stream=obj.stream, actor=request.user, user=obj.user)


# The admin's field names -> chat_settings_update's (the API's) names.
_SETTINGS_DATA = {field: name for name, field in SETTINGS_FIELDS.items()}


@admin.register(ChatSettings)
class ChatSettingsAdmin(ServiceAdmin):
    """Changed through chat_settings_update: validated as over the API, and the room gets its chat_settings event.

    Deleting a stream's settings resets them to the defaults (and tells the room).
    """

    list_display = ("stream", "slow_mode_seconds", "followers_only", "emote_only", "block_links")
    raw_id_fields = ("stream",)
    fields = ("stream", *_SETTINGS_DATA, "updated_at")
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "stream") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        names = [field for field in _SETTINGS_DATA if field in form.cleaned_data]
        if change:
            names = [field for field in names if field in form.changed_data]
        data = {_SETTINGS_DATA[field]: form.cleaned_data[field] for field in names}
        rules = chat_settings_update(stream=obj.stream, actor=request.user, data=data)
        obj.pk = rules.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        defaults = {name: ChatSettings._meta.get_field(field).get_default() for field, name in _SETTINGS_DATA.items()}
        chat_settings_update(stream=obj.stream, actor=request.user, data=defaults)


@admin.register(ChannelChatSettings)
class ChannelChatSettingsAdmin(ServiceAdmin):
    """A creator's channel rules, changed through chat_channel_settings_update (validated as over the API): what
    their new streams start with, and the channel's blocked terms. Deleting them resets them to the defaults."""

    list_display = ("creator", "slow_mode_seconds", "followers_only", "emote_only", "block_links", "updated_at")
    search_fields = ("creator__username",)
    raw_id_fields = ("creator",)
    list_select_related = ("creator",)
    fields = ("creator", *_SETTINGS_DATA, "updated_at")
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "creator") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        names = [field for field in _SETTINGS_DATA if field in form.cleaned_data]
        if change:
            names = [field for field in names if field in form.changed_data]
        data = {_SETTINGS_DATA[field]: form.cleaned_data[field] for field in names}
        rules = chat_channel_settings_update(creator=obj.creator, actor=request.user, data=data)
        obj.pk = rules.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        model = ChannelChatSettings._meta
        defaults = {name: model.get_field(field).get_default() for field, name in _SETTINGS_DATA.items()}
        chat_channel_settings_update(creator=obj.creator, actor=request.user, data=defaults)


class EmoteForm(forms.ModelForm):
    # A plain text field: the colons and capitals staff may type are folded away by clean_code, before the
    # model's slug rule sees the code.
    code = forms.CharField(max_length=40, help_text="Typed in chat as :code: (e.g. naija).")

    class Meta:
        model = Emote
        fields = ("code", "image", "is_active", "sort_order")

    def clean_code(self):
        # What staff type may carry the colons chat shows (":naija:") or capitals; chat matches lower case.
        code = (self.cleaned_data.get("code") or "").strip().strip(":").lower()
        if not 2 <= len(code) <= 32 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in code):
            raise ValidationError("2 to 32 lower-case letters, digits, underscores or hyphens, typed as :code:.")
        return code

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a fresh upload: validate, fit, re-encode as WebP
            try:
                return image_process(image, size=EMOTE_IMAGE_SIZE, crop=False, min_size=(16, 16))
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return image


@admin.register(Emote)
class EmoteAdmin(admin.ModelAdmin):
    """The platform's emote set: chat shows ``:code:`` as this image; saves reach every chat within a request."""

    form = EmoteForm
    list_display = ("preview", "code", "is_active", "sort_order", "created_at")
    list_display_links = ("preview", "code")
    list_editable = ("is_active", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("code",)
    readonly_fields = ("large_preview", "created_at")

    @admin.display(description="")
    def preview(self, obj):
        return (
            format_html('<img src="{}" width="28" height="28" alt=":{}:">', obj.image.url, obj.code)
            if obj.image
            else "—"
        )

    @admin.display(description="Preview")
    def large_preview(self, obj):
        return (
            format_html('<img src="{}" width="112" height="112" alt=":{}:">', obj.image.url, obj.code)
            if obj.image
            else "—"
        )

    def save_model(self, request, obj, form, change):
        replaced = form.initial.get("image") if change and "image" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if replaced:
            files_delete_on_commit([getattr(replaced, "name", replaced)])
        emotes_changed()

    def delete_model(self, request, obj):
        name = obj.image.name
        super().delete_model(request, obj)
        files_delete_on_commit([name])
        emotes_changed()

    def delete_queryset(self, request, queryset):
        names = list(queryset.values_list("image", flat=True))
        super().delete_queryset(request, queryset)
        files_delete_on_commit(names)
        emotes_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        emotes_changed()
