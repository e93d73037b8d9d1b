"""Production settings: everything in base, and refuse to start unsafe.

Passes ``manage.py check --deploy``. ``HTTPS=0`` is for ``make serve`` on
loopback, where there is no TLS terminator in front.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool, env_int

if os.environ.get("DEBUG") is None:
    DEBUG = False
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production settings.")

if not os.environ.get("SECRET_KEY") or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")

if os.environ.get("PAYMENT_PROVIDER", "") == "sandbox":
    raise ImproperlyConfigured("The sandbox payment provider is for development and tests only.")
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "paystack")

# Web Push keys come from the environment (every process must sign with the same pair): none is generated.
VAPID_KEY_FILE = os.environ.get("VAPID_KEY_FILE", "")

REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405

HTTPS = env_bool("HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not HTTPS:
    # No TLS on loopback (make serve): the HSTS/SSL deploy checks do not apply.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
