from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from accounts.models import User, VerificationRequest
from accounts.services import users_deactivate, verification_decide
from livestream.admin import ServiceRefusalMixin
from livestream.errors import DomainError


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


class VerificationDecisionForm(forms.ModelForm):
    """The change form of a pending request: staff approve or reject it (with a reason the applicant reads).
    Saved by ``verification_decide``, never by writing the row: the badge and the e-mail go with the decision."""

    DECISIONS = (("", "Undecided"), ("approve", "Approve"), ("reject", "Reject"))
    decision = forms.ChoiceField(choices=DECISIONS, required=False)

    class Meta:
        model = VerificationRequest
        fields = ("rejection_reason",)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("rejection_reason") or "").strip():
            self.add_error("rejection_reason", "Tell the applicant why the request is rejected.")
        return data


class VerificationRejectForm(forms.Form):
    """The reason asked for by the "Reject" action, on its own page."""

    rejection_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=1000, help_text="The applicants read this."
    )


@admin.register(VerificationRequest)
class VerificationRequestAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ("applicant", "full_name", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("applicant__username", "applicant__display_name", "full_name")
    list_select_related = ("applicant", "decided_by")
    ordering = ("-created_at",)
    actions = ["approve", "reject"]
    readonly = ("applicant", "full_name", "about", "links_list", "reason", "status", "created_at", "decided_by")
    readonly_fields = (*readonly, "decided_at")

    def has_add_permission(self, request):  # creators apply; staff decide
        return False

    def has_delete_permission(self, request, obj=None):  # the decision history stays
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.status == VerificationRequest.Status.PENDING:
            kwargs["form"] = VerificationDecisionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = [*self.readonly_fields]
        if obj is not None and obj.status == VerificationRequest.Status.PENDING:
            return [*fields[:-2], "decision", "rejection_reason"]
        return [*fields, "rejection_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != VerificationRequest.Status.PENDING:
            return [*self.readonly_fields, "rejection_reason"]
        return self.readonly_fields

    @admin.display(description="Links")
    def links_list(self, obj):
        if not obj.links:
            return "—"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}" rel="noopener noreferrer">{}</a>', ((link, link) for link in obj.links)
        )

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if decision:
            verification_decide(
                request_id=obj.pk,
                decided_by=request.user,
                approve=decision == "approve",
                rejection_reason=form.cleaned_data.get("rejection_reason") or "",
            )
        obj.refresh_from_db()

    @admin.action(description="Approve the selected requests", permissions=["change"])
    def approve(self, request, queryset):
        done = 0
        for pk in queryset.filter(status=VerificationRequest.Status.PENDING).values_list("pk", flat=True):
            try:
                verification_decide(request_id=pk, decided_by=request.user, approve=True)
                done += 1
            except DomainError:  # decided meanwhile
                pass
        self.message_user(request, f"{done} request(s) approved; the creators are verified.", messages.SUCCESS)

    @admin.action(description="Reject the selected requests (asks for a reason)", permissions=["change"])
    def reject(self, request, queryset):
        pending = queryset.filter(status=VerificationRequest.Status.PENDING)
        form = VerificationRejectForm(request.POST if "rejection_reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for pk in pending.values_list("pk", flat=True):
                try:
                    verification_decide(
                        request_id=pk,
                        decided_by=request.user,
                        approve=False,
                        rejection_reason=form.cleaned_data["rejection_reason"],
                    )
                    done += 1
                except DomainError:
                    pass
            self.message_user(request, f"{done} request(s) rejected; the applicants are told why.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/accounts/verification_reject.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject verification requests",
                "opts": self.model._meta,
                "requests": pending.select_related("applicant"),
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
