"""Wallet pages (not the API): the sandbox gateway's checkout, where a buyer's browser pays in development."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from wallet.api.views import SandboxPayView
from wallet.models import Payment
from wallet.providers import Verification
from wallet.selectors import payment_get
from wallet.services import payment_confirm

# The checkout's buttons and what each tells the platform, as the gateway would; cancel settles nothing.
ACTIONS = {"pay": "success", "fail": "failed", "cancel": None}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


@csrf_exempt  # API clients POST JSON here with no session; the page's own form is checked below
def sandbox_checkout(request, reference: str):
    """GET: the checkout (amount, reference, Pay / Fail / Cancel). A form POST settles the payment as the gateway
    would and sends the browser back to the purchase's callback_url with the reference (``reference`` and, as
    Paystack does, ``trxref``). A JSON POST ``{"status": "success"|"failed"}`` is the API contract, answered by
    the API's view."""
    if settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404("The sandbox gateway is off.")
    if request.method == "POST" and request.content_type not in FORM_TYPES:
        return SandboxPayView.as_view()(request, reference=reference)
    payment = payment_get(reference=reference, provider="sandbox")  # NotFound: the site's 404 (its middleware)
    if request.method == "POST":
        refused = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
        if refused is not None:  # Django's CSRF failure page (403), as for any form of the site
            return refused
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponseBadRequest("Choose pay, fail or cancel.")
        if ACTIONS[action] is not None:
            verification = Verification(reference, ACTIONS[action], payment.amount_kobo, payment.currency)
            payment = payment_confirm(verification=verification, source="sandbox")
        if payment.callback_url:
            return HttpResponseRedirect(_return_url(payment.callback_url, reference), status=303)
        return _page(request, payment, outcome=action)
    if request.method != "GET":
        return HttpResponseBadRequest("GET the checkout or POST its form.")
    return _page(request, payment, outcome=None)


def _page(request, payment: Payment, *, outcome: str | None):
    naira, kobo = divmod(payment.amount_kobo, 100)  # integer arithmetic: no float near money
    context = {
        "payment": payment,
        "amount": f"₦{naira:,}.{kobo:02d}" if payment.currency == "NGN" else f"{naira:,}.{kobo:02d} {payment.currency}",
        "outcome": outcome,
        "return_url": _return_url(payment.callback_url, payment.reference) if payment.callback_url else "",
    }
    return render(request, "wallet/sandbox_checkout.html", context)


def _return_url(callback_url: str, reference: str) -> str:
    parts = urlsplit(callback_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in {"reference", "trxref"}]
    query += [("trxref", reference), ("reference", reference)]
    return urlunsplit(parts._replace(query=urlencode(query)))
