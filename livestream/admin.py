"""Admin pieces shared by the apps."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from livestream.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records (the ledger, sent gifts, payouts): staff read them, services write them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceRefusalMixin:
    """For a change form saved through a service: a refusal the service raises while saving (a `DomainError`, or
    a `ValidationError` from under its row lock, when the row changed after the form was checked) comes back to
    the form's page as an error message; the admin's transaction has rolled everything back."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as exc:
            detail = exc.detail if isinstance(exc, DomainError) else " ".join(exc.messages)
            self.message_user(request, f"Nothing was saved: {detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
