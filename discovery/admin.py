from django.contrib import admin

from discovery.models import TrendingScore


@admin.register(TrendingScore)
class TrendingScoreAdmin(admin.ModelAdmin):
    """Read-only: the scores are recomputed every minute (``discovery.services.trending_refresh``)."""

    list_display = ("stream", "score", "computed_at")
    list_select_related = ("stream",)
    readonly_fields = ("stream", "score", "components", "computed_at")
    ordering = ("-score",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
