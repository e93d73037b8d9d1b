"""Wallet pages (not the API): the viewer's wallet (balance, coin packages, buying, history), and the sandbox
gateway's checkout, where a buyer's browser pays in development.

Buying from the wallet page goes through the same service as the API (``payment_initiate``): the browser is
sent to the provider's checkout (Paystack's in production, the sandbox page below in development) with a
callback to ``/wallet/return/``, which verifies the payment with the gateway and sends the viewer on to the
page they came from (``next``: a local path only) with the new balance.

A purchase's ``authorization_url`` is this page. The API contract also lets clients POST
``{"status": "success"|"failed"}`` (JSON) to that URL, as they would to a gateway; that POST is answered here
in JSON by the API route's own view (``/api/v1/currency/sandbox/<reference>``), so the two cannot drift.
"""

import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from livestream.errors import DomainError, NotFound
from livestream.origins import local_path
from wallet.api.views import SandboxPayView
from wallet.models import Payment
from wallet.selectors import naira_text, package_list, payment_get, statement, wallet_balance, wallet_summary
from wallet.services import naira_to_kobo, payment_initiate, payment_sandbox_settle, payment_verify

# The checkout's buttons and what each tells the platform, as the gateway would; cancel settles nothing.
ACTIONS = {"pay": "success", "fail": "failed", "cancel": None}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


# Exempt here, protected below: the JSON POST is a client playing the gateway (no session cookie to ride on, as
# on the API route); the page's own form is a browser's, checked by csrf_protect like any form of the site.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sandbox_checkout(request, reference: str):
    """GET (and HEAD): the checkout (amount, reference, Pay / Fail / Cancel). A form POST settles the payment as
    the gateway would and sends the browser back to the purchase's callback_url with the reference
    (``reference`` and, as Paystack does, ``trxref``). A JSON POST ``{"status": "success"|"failed"}`` settles it
    for an API client and answers with the payment, as ``POST /api/v1/currency/sandbox/<reference>`` does."""
    if settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404("The sandbox gateway is off.")
    if request.method == "POST" and request.content_type not in FORM_TYPES:
        return SandboxPayView.as_view()(request, reference=reference)  # the API route's own view
    return _checkout(request, reference)


@csrf_protect
def _checkout(request, reference: str):
    payment = payment_get(reference=reference, provider="sandbox")  # NotFound: the site's 404 (its middleware)
    if request.method != "POST":
        return _page(request, payment, outcome=None)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest("Choose pay, fail or cancel.")
    if ACTIONS[action] is not None:
        payment = payment_sandbox_settle(reference=reference, status=ACTIONS[action])
    if payment.callback_url:
        return HttpResponseRedirect(_return_url(payment.callback_url, reference), status=303)
    return _page(request, payment, outcome=action)


def _page(request, payment: Payment, *, outcome: str | None):
    if payment.currency == "NGN":
        amount = naira_text(payment.amount_kobo, always_kobo=True)
    else:
        whole, kobo = divmod(payment.amount_kobo, 100)  # integer arithmetic: no float near money
        amount = f"{whole:,}.{kobo:02d} {payment.currency}"
    context = {
        "payment": payment,
        "amount": amount,
        "outcome": outcome,
        "return_url": _return_url(payment.callback_url, payment.reference) if payment.callback_url else "",
    }
    return render(request, "wallet/sandbox_checkout.html", context)


def _return_url(callback_url: str, reference: str) -> str:
    parts = urlsplit(callback_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in {"reference", "trxref"}]
    query += [("trxref", reference), ("reference", reference)]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- The wallet page ------------------------------------------------------------------------------

# What each statement type is called on the page (the filter's options, the history's first column).
TYPE_LABELS = {
    "purchase": "Coins bought",
    "gift": "Gifts sent",
    "access": "Premium access",
    "subscription": "Subscriptions",
    "earn": "Earnings",
    "payout": "Payouts",
    "refund": "Refunds",
    "grant": "Coins granted",
}
HISTORY_PAGE_SIZE = 20


def _wallet_url(next_path: str = "") -> str:
    return reverse("wallet") + (f"?{urlencode({'next': next_path})}" if next_path else "")


@login_required
@require_safe
def wallet_page(request):
    """The viewer's coins: balance, packages to buy (through the configured provider), and history (filtered by
    ``type``, in pages). ``next`` (a local path) is where a purchase returns to, and the way back offered."""
    next_path = local_path(request.GET.get("next"))
    kind = request.GET.get("type", "")
    if kind not in TYPE_LABELS:
        kind = ""
    history = Paginator(statement(user=request.user, kind=kind or None), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for entry in history:
        entry.label = TYPE_LABELS.get(entry.type, entry.type)
    packages = [
        {
            "id": package.pk,
            "name": package.name,
            "coins": package.coins,
            "bonus": package.bonus_coins,
            "total": package.total_coins,
            "price": naira_text(naira_to_kobo(package.price)),  # as payment_initiate charges it
        }
        for package in package_list()
    ]
    summary = wallet_summary(user=request.user)
    context = {
        "summary": summary,
        "packages": packages,
        "history": history,
        "type": kind,
        "types": TYPE_LABELS.items(),
        "next": next_path,
        # One key per rendering of the page: a double-submitted form starts one payment, not two.
        "purchase_key": uuid.uuid4().hex,
        "sandbox": settings.PAYMENT_PROVIDER == "sandbox",
        "filter_query": urlencode({k: v for k, v in (("type", kind), ("next", next_path)) if v}),
    }
    return render(request, "wallet/wallet.html", context)


@require_POST
def wallet_buy(request):
    """Start buying a coin package: the browser goes to the provider's checkout, which returns it to
    ``/wallet/return/`` (and from there to ``next``). Refusals come back to the wallet page as a message."""
    next_path = local_path(request.POST.get("next"))
    if not request.user.is_authenticated:  # signed out meanwhile: log in, then back to the wallet (a GET)
        return redirect_to_login(_wallet_url(next_path))
    try:
        package_id = uuid.UUID(request.POST.get("package", ""))
    except ValueError:
        messages.error(request, "Choose a coin package.")
        return HttpResponseRedirect(_wallet_url(next_path), status=303)
    callback = reverse("wallet-return") + (f"?{urlencode({'next': next_path})}" if next_path else "")
    try:
        payment = payment_initiate(
            user=request.user,
            package_id=package_id,
            payment_method="card",
            callback_url=callback,
            idempotency_key=request.POST.get("key", "").strip()[:100] or None,
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, exc.detail if isinstance(exc, DomainError) else " ".join(exc.messages))
        return HttpResponseRedirect(_wallet_url(next_path), status=303)
    if payment.status != Payment.Status.PENDING:  # the same form sent again after it was paid
        return HttpResponseRedirect(f"{callback}{'&' if '?' in callback else '?'}reference={payment.reference}", 303)
    return HttpResponseRedirect(payment.authorization_url, status=303)


@login_required
@require_safe
def wallet_return(request):
    """Where the provider's checkout sends the buyer back (``reference``/``trxref``): the payment is verified
    with the gateway (so the coins are there without waiting for its webhook) and the buyer goes on to ``next``
    with the new balance, or back to the wallet page when the payment did not go through."""
    next_path = local_path(request.GET.get("next"))
    reference = (request.GET.get("reference") or request.GET.get("trxref") or "").strip()[:64]
    try:
        payment = payment_get(reference=reference, user=request.user)
        payment = payment_verify(reference=payment.reference)
    except NotFound:
        messages.error(request, "We could not find that payment on your account.")
        return HttpResponseRedirect(_wallet_url(next_path), status=303)
    except DomainError:  # the gateway could not be reached: its webhook still credits a paid payment
        messages.warning(
            request, "We could not confirm the payment with the gateway yet. If you paid, the coins arrive shortly."
        )
        return HttpResponseRedirect(_wallet_url(next_path), status=303)
    if payment.status == Payment.Status.SUCCESS:
        balance = wallet_balance(user=request.user)
        messages.success(request, f"Payment received: {payment.coins:,} coins added. You have {balance:,} coins.")
        return HttpResponseRedirect(next_path or reverse("wallet"), status=303)
    if payment.status == Payment.Status.FAILED:
        messages.error(request, "The payment did not go through; nothing was charged. You can try again.")
    else:
        messages.info(request, "The payment was not completed; nothing was charged. You can try again.")
    return HttpResponseRedirect(_wallet_url(next_path), status=303)
