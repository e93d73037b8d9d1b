import posixpath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.services import verification_grant, verification_revoke
from livestream.admin import ServiceRefusalMixin
from livestream.errors import DomainError
from streams.models import Category, Clip, CreatorProfile, Follow, Recording, ScheduleSlot, Stream, Tag
from streams.selectors.media import media_file_url
from streams.services import (
    STREAM_EDITABLE_FIELDS,
    stream_apply_action,
    stream_create,
    stream_delete,
    stream_rotate_key,
    stream_update,
    stream_update_validate,
)
from streams.services.media.clips import clip_delete
from streams.services.media.recordings import recording_delete, recording_retry

REVOKED_BY_STAFF = "The platform's staff removed the badge from your creator profile."


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
        # The badge's one path: accounts' verification services (an open request of theirs is approved).
        count = verification_grant(
            users=[profile.user for profile in queryset.select_related("user")], decided_by=request.user
        )
        self.message_user(request, f"{count} creator(s) verified.", messages.SUCCESS)

    @admin.action(description="Remove the verified badge")
    def unverify(self, request, queryset):
        count = verification_revoke(
            users=[profile.user for profile in queryset.select_related("user")],
            decided_by=request.user,
            reason=REVOKED_BY_STAFF,
        )
        self.message_user(request, f"{count} creator(s) unverified.", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "creator", "notify_go_live", "notify_scheduled", "created_at")
    search_fields = ("follower__username", "creator__username")
    raw_id_fields = ("follower", "creator")
    list_select_related = ("follower", "creator")


class StreamAdminForm(forms.ModelForm):
    """Checks a change with the rules stream_update applies (premium needs a price, no premium or latency change
    while an encoder publishes, only a scheduled stream is rescheduled), so a refusal shows beside the form."""

    class Meta:
        model = Stream
        fields = ("creator", *STREAM_EDITABLE_FIELDS)

    def service_data(self) -> dict:
        """The form's values as stream_create / stream_update take them (category by slug, tags by name)."""
        names = [name for name in STREAM_EDITABLE_FIELDS if name in self.cleaned_data]
        if self.instance._state.adding is False:
            names = [name for name in names if name in self.changed_data]
        data = {name: self.cleaned_data[name] for name in names}
        if "category" in data:
            data["category"] = data["category"].slug if data["category"] else None
        if "tags" in data:
            data["tags"] = [tag.name for tag in data["tags"]]
        return data

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # self.instance is still the stream as stored (the form's values are put on it after clean).
        stream = self.instance if not self.instance._state.adding else Stream()
        try:
            stream_update_validate(stream=stream, data=self.service_data())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        except DomainError as exc:
            self.add_error(None, ValidationError(exc.detail, code=exc.code))
        return cleaned


@admin.register(Stream)
class StreamAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    """Staff change streams through the services the API calls: the same rules, the same room events.

    The lifecycle (status) moves only by the Start / Stop actions (stream_start / stream_stop); the thumbnail
    only through its service (the API's upload, the automatic ones). A delete goes through stream_delete: a live
    stream is refused (stop it first), and the files go with the rows.
    """

    form = StreamAdminForm
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
        "status",
        "stream_key",
        "started_at",
        "ended_at",
        "current_viewers",
        "peak_viewers",
        "media_app",
        "publisher_client_id",
        "publisher_dropped_at",
        "thumbnail",
        "thumbnail_source",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
    actions = ["start_streams", "stop_streams", "rotate_keys"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "creator") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            stream_update(stream=obj, data=data)
        else:
            created = stream_create(creator=form.cleaned_data["creator"], **data)
            obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Tags were set by the service; only inline formsets (none today) are saved here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_deleted_objects(self, objs, request):
        # A live stream shows as protected: the confirmation page says why and offers no delete (stream_delete's
        # rule, asked before the page rather than as an error after it).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        live = [f"{stream}: live; stop it before deleting it" for stream in objs if stream.status == Stream.Status.LIVE]
        return deleted, counts, perms_needed, [*protected, *live]

    def delete_model(self, request, obj):
        stream_delete(stream=obj)

    def delete_queryset(self, request, queryset):
        for stream in queryset:
            try:
                stream_delete(stream=stream)
            except DomainError as exc:  # went live after the confirmation page
                self.message_user(request, f"{stream} was not deleted: {exc.detail}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:  # went live between the confirmation page and the POST
            self.message_user(request, f"Nothing was deleted: {exc.detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _lifecycle(self, request, queryset, action: str, done: str):
        moved = 0
        for stream in queryset:
            try:
                stream_apply_action(stream=stream, action=action)
            except DomainError as exc:
                self.message_user(request, f"{stream}: {exc.detail}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, f"{moved} stream(s) {done}.", messages.SUCCESS)

    @admin.action(description="Start the selected streams (scheduled -> live)")
    def start_streams(self, request, queryset):
        self._lifecycle(request, queryset, "start", "started")

    @admin.action(description="Stop the selected streams (live -> ended; drops their encoders)")
    def stop_streams(self, request, queryset):
        self._lifecycle(request, queryset, "stop", "stopped")

    @admin.action(description="Rotate the stream keys")
    def rotate_keys(self, request, queryset):
        for stream in queryset:
            stream_rotate_key(stream=stream)
        self.message_user(request, f"{queryset.count()} key(s) rotated.", messages.SUCCESS)


class GatedFileAdmin(admin.ModelAdmin):
    """A recording's or clip's file, shown to staff as a link that works: the file is private (its storage path,
    /media/private/..., is never served), so the link opens ``<id>/file/``, which sends staff who may view the
    row to a signed link made for them (staff may always watch; on object storage, the storage's signed URL)."""

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.file_view)
        name = f"{opts.app_label}_{opts.model_name}_file"
        return [path("<path:object_id>/file/", view, name=name), *super().get_urls()]

    def file_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None or not obj.file:
            raise Http404("No such file.")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return HttpResponseRedirect(media_file_url(obj.file, stream_id=obj.stream_id, viewer=request.user))

    def delete_model(self, request, obj):
        self.delete_service(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(obj)

    def delete_service(self, obj) -> None:
        """Delete ``obj`` through its service: the row now, its files once the deletion commits."""
        raise NotImplementedError

    @admin.display(description="File")
    def file_link(self, obj):
        if not obj.file:
            return "—"
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_file", args=[obj.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, posixpath.basename(obj.file.name))


@admin.register(Recording)
class RecordingAdmin(GatedFileAdmin):
    """VODs made from the media server's recordings; a failed one can be processed again."""

    list_display = ("stream", "status", "duration_seconds", "size_bytes", "attempts", "created_at", "ready_at")
    list_filter = ("status",)
    search_fields = ("stream__title", "stream__id", "id")
    list_select_related = ("stream",)
    raw_id_fields = ("stream",)
    readonly_fields = (
        "id",
        "stream",
        "status",
        "source_path",
        "file_link",
        "thumbnail_preview",
        "duration_seconds",
        "size_bytes",
        "width",
        "height",
        "attempts",
        "error",
        "created_at",
        "ready_at",
    )
    exclude = ("file", "thumbnail")
    date_hierarchy = "created_at"
    actions = ["process_again"]

    def has_add_permission(self, request):
        return False  # recordings come from the media server

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, obj):
        return format_html('<img src="{}" width="320">', obj.thumbnail.url) if obj.thumbnail else "—"

    def delete_service(self, obj) -> None:
        recording_delete(recording=obj)  # its clips and their files too

    @admin.action(description="Process the selected failed recordings again")
    def process_again(self, request, queryset):
        count = sum(recording_retry(recording_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} recording(s) queued again.", messages.SUCCESS)


@admin.register(Clip)
class ClipAdmin(GatedFileAdmin):
    list_display = ("__str__", "stream", "created_by", "start_seconds", "duration_seconds", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "stream__title", "created_by__username")
    list_select_related = ("stream", "created_by")
    raw_id_fields = ("stream", "recording", "created_by")
    # A clip is cut by clips' service and task (POST /streams/{id}/clips): made or re-timed here, nothing would
    # cut it. Staff may retitle or delete one.
    readonly_fields = (
        "id", "stream", "recording", "created_by", "start_seconds", "duration_seconds", "status", "file_link",
        "size_bytes", "error", "created_at",
    )  # fmt: skip
    exclude = ("file",)

    def has_add_permission(self, request):
        return False

    def delete_service(self, obj) -> None:
        clip_delete(clip=obj)
