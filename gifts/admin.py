from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from gifts.models import Gift, SentGift
from livestream.admin import ReadOnlyAdmin
from livestream.images import image_process

GIFT_IMAGE_SIZE = (256, 256)


class GiftForm(forms.ModelForm):
    class Meta:
        model = Gift
        fields = [
            "name",
            "description",
            "category",
            "rarity",
            "cost_in_coins",
            "naira_value",
            "image",
            "animation",
            "sound",
            "is_active",
            "sort_order",
        ]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a fresh upload: validate, square it, re-encode
            try:
                return image_process(image, size=GIFT_IMAGE_SIZE, crop=False, min_size=(32, 32))
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return image


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    form = GiftForm
    list_display = ("preview", "name", "category", "rarity", "cost_in_coins", "naira_value", "is_active", "sort_order")
    list_display_links = ("preview", "name")
    list_editable = ("is_active", "sort_order")
    list_filter = ("category", "rarity", "is_active")
    search_fields = ("name",)
    readonly_fields = ("large_preview", "sound_preview")

    @admin.display(description="")
    def preview(self, obj):
        return format_html('<img src="{}" width="40" height="40" alt="">', obj.image.url) if obj.image else "—"

    @admin.display(description="Preview")
    def large_preview(self, obj):
        return format_html('<img src="{}" width="128" height="128" alt="">', obj.image.url) if obj.image else "—"

    @admin.display(description="Sound")
    def sound_preview(self, obj):
        return format_html('<audio controls preload="none" src="{}"></audio>', obj.sound.url) if obj.sound else "—"


@admin.register(SentGift)
class SentGiftAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "gift", "quantity", "total_coins", "sender", "creator", "is_anonymous")
    list_filter = ("gift",)
    search_fields = ("sender__username", "creator__username")
    list_select_related = ("gift", "sender", "creator")
    raw_id_fields = ("stream", "sender", "creator")
