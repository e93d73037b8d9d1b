"""Wallet pages (not the API): the sandbox gateway's checkout, where a buyer's browser pays in development.

A purchase's ``authorization_url`` is this page. The API contract also lets clients POST
``{"status": "success"|"failed"}`` (JSON) to that URL, as they would to a gateway; that POST is answered here
in JSON by the same service as the API's route (``/api/v1/currency/sandbox/<reference>``), with the same
serializers, so the two cannot drift.
"""

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from livestream.errors import NotFound
from wallet.api.serializers import PaymentSerializer, SandboxPaySerializer
from wallet.models import Payment
from wallet.selectors import payment_get
from wallet.services import payment_sandbox_settle

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
        return _settle_json(request, reference)
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


def _settle_json(request, reference: str) -> JsonResponse:
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: a nesting bomb
        return JsonResponse({"detail": "The body is not valid JSON.", "code": "parse_error"}, status=400)
    serializer = SandboxPaySerializer(data=data)
    if not serializer.is_valid():
        return JsonResponse(serializer.errors, status=400)
    try:
        payment = payment_sandbox_settle(reference=reference, status=serializer.validated_data["status"])
    except NotFound as exc:
        return JsonResponse(exc.as_dict(), status=404)
    return JsonResponse(PaymentSerializer(payment).data)


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
