"""The studio's money page: the signed-in creator's own earnings, payouts and payout destination.

Setting the destination works without script as two steps, "Check account" (the bank's name for the account
is shown) then "Save"; with script (static/js/payout-destination.js) the check is a call to the API's resolve
route and the page stays put. Both paths go through wallet.payouts and share the API's throttle on account
lookups (each is a paid call at Paystack).
"""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import ScopedRateThrottle

from livestream.errors import DomainError
from wallet.payouts import (
    payout_account_resolve,
    payout_banks,
    payout_destination_set,
    payout_statement_url,
    payouts_open,
)
from wallet.selectors import naira_text, payout_destination_get, payout_list, payout_summary, wallet_summary
from wallet.studio.forms import PayoutAccountForm

PAYOUTS_PAGE_SIZE = 20
# The API's scope (wallet.api.views.PayoutAccountThrottled): the page and the API share one budget per creator.
ACCOUNT_LOOKUPS = SimpleNamespace(throttle_scope="payout_account")
STATUS_LABELS = {"pending": "Pending", "paid": "Paid", "failed": "Failed"}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_money(request):
    opened = payouts_open(user=request.user)
    banks, banks_error = _banks() if opened else ([], "")  # no bank list to fetch for a form not shown
    form = PayoutAccountForm(request.POST or None, banks=banks)
    preview = None
    if request.method == "POST" and banks:
        action = request.POST.get("action")
        if form.is_valid() and _lookup_allowed(request, form):
            try:
                if action == "save":
                    destination = payout_destination_set(user=request.user, **form.cleaned_data)
                    messages.success(
                        request,
                        f"Payouts now go to {destination.account_name}, {destination.bank_name} "
                        f"ending {destination.account_last4}.",
                    )
                    return HttpResponseRedirect(reverse("studio-money") + "#payout-destination", status=303)
                preview = payout_account_resolve(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
    context = _context(request, form=form, preview=preview, banks_error=banks_error)
    return render(request, "studio/money.html", {**context, "payouts_open": opened})


def _banks():
    try:
        return payout_banks(), ""
    except DomainError as exc:
        return [], exc.detail


def _lookup_allowed(request, form) -> bool:
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, ACCOUNT_LOOKUPS):
        return True
    minutes = max(1, round((throttle.wait() or 60) / 60))
    form.add_error(None, f"Too many account checks for now. Try again in {minutes} minute{'s' if minutes > 1 else ''}.")
    return False


def _context(request, *, form, preview, banks_error) -> dict:
    summary = payout_summary(user=request.user)
    page = Paginator(payout_list(user=request.user), PAYOUTS_PAGE_SIZE).get_page(request.GET.get("page"))
    for payout in page:
        payout.status_label = STATUS_LABELS.get(payout.status, payout.status)
        payout.coins_shown = f"{payout.coins:,}"
        payout.naira = naira_text(payout.amount_kobo)
        payout.statement_url = payout_statement_url(payout)
    exact = summary["earnings_exact"]
    return {
        "section": "money",
        "summary": summary,
        # Thousands separated, as the wallet page shows naira; the exact earnings without trailing zeros.
        "earnings": f"{summary['earnings']:,}",
        "earnings_exact": f"{exact.normalize():,f}",
        "minimum": f"{summary['minimum']:,}",
        "to_go": f"{summary['to_go']:,}",
        "earnings_naira": naira_text(summary["earnings_kobo"]),
        "minimum_naira": naira_text(summary["minimum_kobo"]),
        "rate_naira": naira_text(int(summary["naira_per_coin"] * 100)),
        "fraction": summary["earnings_exact"] != summary["earnings"],
        "lifetime_earned": f"{wallet_summary(user=request.user)['lifetime_earned']:,}",
        "payouts": page,
        "destination": payout_destination_get(user=request.user),
        "form": form,
        "preview": preview,
        "banks_error": banks_error,
    }
