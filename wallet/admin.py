from django.contrib import admin, messages
from django.utils.html import format_html

from livestream.admin import ReadOnlyAdmin
from livestream.errors import DomainError
from wallet.ledger import account_balance_exact
from wallet.models import (
    Account,
    CoinPackage,
    Entry,
    IdempotencyRecord,
    Payment,
    Payout,
    PayoutDestination,
    Transaction,
)
from wallet.payouts import payout_retry, payout_statement_url
from wallet.selectors import naira_text


@admin.register(CoinPackage)
class CoinPackageAdmin(admin.ModelAdmin):
    list_display = ("name", "coins", "bonus_coins", "price", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "amount_micro", "balance_after", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "reference", "description")
    list_filter = ("kind",)
    search_fields = ("reference", "description", "id")
    inlines = [EntryInline]
    date_hierarchy = "created_at"


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("kind", "owner", "current_balance", "created_at")
    list_filter = ("kind",)
    search_fields = ("owner__username",)
    list_select_related = ("owner",)

    @admin.display(description="Balance")
    def current_balance(self, obj):
        return account_balance_exact(obj)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reference", "user", "coins", "amount", "provider", "status_badge")
    list_filter = ("status", "provider")
    search_fields = ("reference", "user__username")
    list_select_related = ("user",)

    @admin.display(description="Amount")
    def amount(self, obj):
        return naira_text(obj.amount_kobo, always_kobo=True)

    @admin.display(description="Status")
    def status_badge(self, obj):
        colour = {"success": "#1a7f37", "failed": "#cf222e"}.get(obj.status, "#9a6700")
        return format_html('<b style="color:{}">{}</b>', colour, obj.status)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "scope", "key", "result")
    search_fields = ("key", "user__username")


@admin.register(PayoutDestination)
class PayoutDestinationAdmin(admin.ModelAdmin):
    # Creators set their own up in the studio (the bank resolves the name, the provider makes the recipient).
    list_display = ("user", "account_name", "bank_name", "account_last4", "recipient_code", "provider", "updated_at")
    list_filter = ("provider",)
    search_fields = ("user__username", "recipient_code", "account_name")
    raw_id_fields = ("user",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "creator", "coins", "naira", "status", "attempts", "statement_link", "failure_reason")
    list_filter = ("status", "provider")
    search_fields = ("creator__username", "provider_reference")
    list_select_related = ("creator",)
    actions = ["retry"]

    @admin.display(description="Amount")
    def naira(self, obj):
        return naira_text(obj.amount_kobo, always_kobo=True)

    @admin.display(description="Statement")
    def statement_link(self, obj):
        url = payout_statement_url(obj)
        return format_html('<a href="{}">CSV</a>', url) if url else "—"

    @admin.action(description="Retry the selected failed payouts")
    def retry(self, request, queryset):
        for payout in queryset:
            try:
                result = payout_retry(payout_id=payout.pk)
            except DomainError as exc:
                self.message_user(request, f"{payout.provider_reference}: {exc.detail}", messages.ERROR)
                continue
            self.message_user(request, f"{result.provider_reference}: {result.status}", messages.INFO)
