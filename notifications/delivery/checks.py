"""System checks for Web Push: a malformed key pair stops ``check``/``runserver``/``migrate``; a deployment
without one is told that browser notifications are off, and one that lets subscriptions point anywhere
(``WEBPUSH_ENDPOINT_HOSTS`` holding "*") fails ``check --deploy``."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from notifications.delivery.vapid import vapid_keys


def check_vapid_keys(app_configs=None, **kwargs):
    try:
        vapid_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="notifications.E001")]
    return []


def check_vapid_keys_deployed(app_configs=None, **kwargs):
    try:
        keys = vapid_keys()
    except ImproperlyConfigured:
        return []  # notifications.E001 says it
    if keys is None:
        return [
            checks.Warning(
                "VAPID_PRIVATE_KEY is not set: browser (Web Push) notifications are off.",
                hint="Generate one: python -c 'from notifications.delivery.vapid import generate_private_key_b64 as g;"
                " print(g())'",
                id="notifications.W001",
            )
        ]
    return []


def check_push_endpoint_hosts_deployed(app_configs=None, **kwargs):
    """The server POSTs to whatever endpoint a signed-in user subscribes with: "*" would let anyone aim it at
    any https host (a request forgery from the server's network). Development may use it; a deployment may not."""
    if any(host.strip() == "*" for host in settings.WEBPUSH_ENDPOINT_HOSTS):
        return [
            checks.Error(
                'WEBPUSH_ENDPOINT_HOSTS holds "*": any https host could be made the target of the server\'s pushes.',
                hint="Name the browsers' push services (the default list), or your own push service's host.",
                id="notifications.E002",
            )
        ]
    return []
