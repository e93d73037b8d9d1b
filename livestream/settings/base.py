"""Settings for every environment, read from the environment (12-factor).

With nothing set this is a development configuration that needs no server:
SQLite, the in-memory channel layer, a local-memory cache and eager Celery.
``DATABASE_URL`` switches to PostgreSQL (psycopg 3 with its connection pool),
``REDIS_URL`` to Redis for the channel layer, the cache and the Celery broker.
``livestream.settings.production`` tightens this for a real deployment.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "channels",
    "axes",
    "accounts",
    "streams",
    "chat",
    "gifts",
    "wallet",
    "analytics",
    "notifications",
    "discovery",
]

MIDDLEWARE = [
    # First: every error under /api/ leaves as JSON with a code (DEBUG's technical pages included).
    "livestream.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF's process_view, which may read a form body: an oversize API body is refused unread.
    "livestream.middleware.BodySizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer (settings below).
    "csp.middleware.CSPMiddleware",
    "livestream.middleware.PermissionsPolicyMiddleware",
    # A domain NotFound out of a page view is the site's 404 (DRF's views map it themselves).
    "livestream.middleware.NotFoundMiddleware",
    # Turns a log-in django-axes refused (too many failures) into accounts.lockout's 429; last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

# How many reverse proxies in front of Django set X-Forwarded-For (make serve's nginx: 1, and it overwrites the
# header with $remote_addr). 0 (make run, tests): the address is REMOTE_ADDR and the header is ignored, since a
# client can send any value in it. Log-in lock-outs and DRF's throttles both count by this address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Failed log-ins (browser form, /admin/login/, POST /api/v1/auth/token/) are counted by django-axes, per account
# and per client address separately: AXES_FAILURE_LIMIT failures on either locks it for AXES_COOLOFF_TIME, and
# each failure during the lock-out starts the cool-off again. Records live in the database (axes' own tables),
# so they hold on SQLite without Redis and are shared by every process under make serve.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "livestream.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in; only failures are kept
AXES_VERBOSE = False

ROOT_URLCONF = "livestream.urls"
WSGI_APPLICATION = "livestream.wsgi.application"
ASGI_APPLICATION = "livestream.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "livestream.context_processors.site",
                "wallet.context_processors.coins",
                "accounts.context_processors.auth_next",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Under an ASGI server CONN_MAX_AGE leaks one connection per worker thread
        # (shared/notes/ledger-hot-creator.md); psycopg 3's pool bounds them instead.
        _db.setdefault("OPTIONS", {})
        _db["OPTIONS"]["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": 10,
        }
        # Django turns psycopg's prepared statements off (they break transaction-pooling PgBouncer before
        # 1.21). Its own queries bind on the client and are never prepared either way; this lets the hot
        # gift call (gifts.services._gift_send_prepared) be parsed and planned once per connection.
        # DATABASE_PREPARED_STATEMENTS=0 behind such a pooler.
        _db["OPTIONS"]["prepare_threshold"] = 100 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL lets the browser read while a chat message is written.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not shared memory, for tests: live servers and hooks called from nginx write from other
            # threads, and SQLite's shared-cache tables fail at once ("table is locked") where a file waits.
            # One file per test process, so two runs side by side do not share (and destroy) one database.
            "TEST": {
                "NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3"))
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis, with a Redis outage handed to the consumer as an event (livestream/channel_layer.py).
            "BACKEND": "livestream.channel_layer.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8: the pool caps at 100 connections and a 5 s socket
                # timeout kills blocking reads (shared/notes/chat-fanout.md).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": 1000,
                        "socket_timeout": None,
                        "socket_connect_timeout": 2,
                    }
                ],
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
    CACHES = {
        "default": {
            # Django's RedisCache failing open: rate limits and flood checks are skipped, with a log line,
            # while Redis is away, rather than every request answering 500 (livestream/cache.py).
            "BACKEND": "livestream.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "livestream",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, not when it starts, so a worker that dies mid-task loses nothing: if only its
# pool process died (OOM killer, a segfault in ffmpeg's wrapper), REJECT_ON_WORKER_LOST puts the message back at
# once; if the whole worker died, the broker cannot tell it from a slow one, and the message goes back once it has
# been out CELERY_VISIBILITY_TIMEOUT seconds (any worker sweeps every CELERY_UNACKED_RESTORE_SECONDS). Keep the
# timeout above the longest task (an ffmpeg job: MEDIA_TOOL_TIMEOUT) and any countdown, or a slow task is handed to
# a second worker while the first still runs it; tasks are written to be idempotent either way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_SECONDS", 60),
    "unacked_restore_throttle": 1,  # the interval alone says how often (kombu's default scans every 10th)
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "renew-subscriptions": {"task": "streams.tasks.renew_subscriptions_task", "schedule": 15 * 60},
    # Weekly at a fixed time (Mondays 08:00 UTC, 09:00 in Lagos), so the studio's money page can tell creators when.
    "run-payouts": {"task": "wallet.tasks.run_payouts", "schedule": crontab(minute=0, hour=8, day_of_week="mon")},
    "refresh-live-thumbnails": {"task": "streams.tasks.refresh_live_thumbnails", "schedule": 60},
    # Janus mountpoints for live streams: made again after Janus restarted, gone for streams that ended meanwhile.
    "reconcile-webrtc-mounts": {"task": "streams.tasks.reconcile_webrtc_mounts", "schedule": 30},
    "end-dropped-streams": {"task": "streams.tasks.end_dropped_streams", "schedule": 30},
    "prune-recordings": {"task": "streams.tasks.prune_recordings", "schedule": 24 * 60 * 60},
    "requeue-stuck-media": {"task": "streams.tasks.requeue_stuck_media", "schedule": 5 * 60},
    "rollup-live-streams": {"task": "analytics.tasks.rollup_live_streams", "schedule": 60},
    "send-due-reminders": {"task": "notifications.tasks.send_due_reminders", "schedule": 60},
    # The trending scores the home page and ?sort=trending read (reads older than a minute refresh them too).
    "refresh-trending": {"task": "discovery.tasks.trending_refresh_task", "schedule": 60},
}

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- I18N / time ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The API speaks UTC; pages show times in DISPLAY_TIME_ZONE (base.html).
TIME_ZONE = "UTC"
DISPLAY_TIME_ZONE = os.environ.get("DISPLAY_TIME_ZONE", "Africa/Lagos")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploads, recordings, clips and thumbnails: local disk, or S3-compatible object storage (AWS S3, MinIO,
# Cloudflare R2, ...) through django-storages when a bucket is named. Files there are served by signed,
# expiring URLs (a premium stream's VOD is not a public link).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 6 * 60 * 60),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
# Files with access rules (recordings and clips, payout statements) live under "private/" in that storage.
# Local disk: a signed link to a Django view that checks it (PROTECTED_MEDIA_MAX_AGE) and sends the file, or
# has nginx send it from an internal location (PROTECTED_MEDIA_ACCEL_PREFIX; make serve sets it).
PROTECTED_MEDIA_MAX_AGE = env_int("PROTECTED_MEDIA_MAX_AGE", env_int("AWS_QUERYSTRING_EXPIRE", 6 * 60 * 60))
PROTECTED_MEDIA_ACCEL_PREFIX = os.environ.get("PROTECTED_MEDIA_ACCEL_PREFIX", "")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the app folders; in production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a form's fields (files apart); Django answers 400 above it
# Request bodies under /api/, by Content-Length, before any view reads them (livestream.middleware.BodySizeMiddleware;
# 413 JSON ``request_too_large``). A view may set its own ``json_body_max``, and ``body_images`` for uploads.
API_JSON_BODY_MAX = 64 * 1024
# Upper bound for avatars, banners and thumbnails.
MAX_IMAGE_UPLOAD_BYTES = env_int("MAX_IMAGE_UPLOAD_BYTES", 5 * 1024 * 1024)

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first so an anonymous API call answers 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "livestream.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "livestream.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "livestream.api.exceptions.exception_handler",
    # DRF's parsers, with a JSON nesting bomb a 400 instead of a 500 (livestream.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "livestream.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttles count by the same client address as the log-in lock-out (livestream.client_ip): with 0 trusted
    # proxies X-Forwarded-For is ignored, so a forged header does not start a fresh count.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "20/min"),
        "register": os.environ.get("THROTTLE_REGISTER", "10/hour"),
        # Looking a bank account up (checking it, saving it as the payout destination) is a paid call at Paystack.
        "payout_account": os.environ.get("THROTTLE_PAYOUT_ACCOUNT", "20/hour"),
        # WebRTC signalling: a page starts once, answers once, keeps alive every 20 s; reloads and retries fit. Per
        # user, or per address signed out: 600 lets a classroom behind one NAT watch in real time.
        "webrtc": os.environ.get("THROTTLE_WEBRTC", "600/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Great Nigeria Library Livestream API",
    "DESCRIPTION": "Live streams, chat, virtual gifts and coins.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # JSON in, JSON out: request bodies are documented as JSON (uploads declare multipart where they take it).
    "PARSER_WHITELIST": ["livestream.api.parsers.JSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "StreamStatusEnum": "streams.models.Stream.Status",
        "ReportStatusEnum": "chat.models.MessageReport.Status",
        "PaymentStatusEnum": "wallet.models.Payment.Status",
        "MediaJobStatusEnum": "streams.models.Recording.Status",
    },
}

# --- Media pipeline (RTMP ingest, HLS playback) -----------------------------------
# `manage.py mediaserver` renders deploy/mediaserver/nginx.conf.template with these and runs nginx-rtmp.
MEDIA_SERVER_ROOT = Path(os.environ.get("MEDIA_SERVER_ROOT", BASE_DIR / "var" / "mediaserver"))
MEDIA_BIND = os.environ.get("MEDIA_BIND", "127.0.0.1")
RTMP_PORT = env_int("RTMP_PORT", 19350)
MEDIA_HTTP_PORT = env_int("MEDIA_HTTP_PORT", 18080)  # HLS for viewers, /stat and /control for Django
NGINX_BINARY = os.environ.get("NGINX_BINARY", "nginx")
NGINX_RTMP_MODULE = os.environ.get("NGINX_RTMP_MODULE", "/usr/lib/nginx/modules/ngx_rtmp_module.so")
FFMPEG_BINARY = os.environ.get("FFMPEG_BINARY", "ffmpeg")
FFPROBE_BINARY = os.environ.get("FFPROBE_BINARY", "ffprobe")
# What the API hands out (public addresses; behind a CDN or another host, set them).
# SITE_URL: the site's public origin, for absolute links where there is no request (socket events, e-mails).
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
RTMP_INGEST_URL = os.environ.get("RTMP_INGEST_URL", f"rtmp://127.0.0.1:{RTMP_PORT}/live")
HLS_BASE_URL = os.environ.get("HLS_BASE_URL", f"http://127.0.0.1:{MEDIA_HTTP_PORT}/hls")
# Where nginx reaches Django's hooks (loopback, straight to the app server, never through the public proxy),
# and where Django reaches nginx's /stat and /control.
MEDIA_HOOK_BASE_URL = os.environ.get("MEDIA_HOOK_BASE_URL", "http://127.0.0.1:8000/media-hooks")
MEDIA_CONTROL_URL = os.environ.get("MEDIA_CONTROL_URL", f"http://127.0.0.1:{MEDIA_HTTP_PORT}")
_hook_host = urlparse(MEDIA_HOOK_BASE_URL).hostname
if _hook_host and "*" not in ALLOWED_HOSTS and _hook_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_hook_host)  # the media server calls the hooks by this name, whatever the public host
MEDIA_HOOK_ALLOWED_ADDRS = env_list("MEDIA_HOOK_ALLOWED_ADDRS", ["127.0.0.1", "::1"])
# The adaptive ladder under the source copy: name, height, video and audio bitrate (never above the source).
HLS_LADDER = [
    {"name": "480p", "height": 480, "video_kbps": 1000, "audio_kbps": 96},
    {"name": "360p", "height": 360, "video_kbps": 600, "audio_kbps": 64},
]
HLS_SOURCE_KBPS_ESTIMATE = env_int("HLS_SOURCE_KBPS_ESTIMATE", 3000)  # the master playlist's BANDWIDTH for src
# Latency presets (as Owncast's levels): HLS fragment seconds per stream setting.
HLS_LATENCY_FRAGMENTS = {"low": 1, "normal": 2, "high": 4}
HLS_PLAYLIST_FRAGMENTS = 6  # segments kept in each live playlist of a preset without rewind (low)
# Rewind during a live stream (DVR): these presets' live playlists keep the last HLS_DVR_SECONDS, so a viewer can
# seek back that far. `low` keeps its short window: its 1 s fragments would make a 2-hour playlist of 7,200 lines
# that every viewer reloads each second. nginx-rtmp deletes a segment only 2 x the window after writing it (see
# the README for the disk this takes).
HLS_DVR_SECONDS = env_int("HLS_DVR_SECONDS", 2 * 60 * 60)
HLS_DVR_LATENCY_MODES = ("normal", "high")
PLAYBACK_TOKEN_MAX_AGE = env_int("PLAYBACK_TOKEN_MAX_AGE", 6 * 60 * 60)  # premium HLS token lifetime, seconds
STREAM_RECONNECT_GRACE_SECONDS = env_int("STREAM_RECONNECT_GRACE_SECONDS", 60)  # a dropped encoder may come back
RECORDING_RETENTION_DAYS = env_int("RECORDING_RETENTION_DAYS", 90)  # default; each creator may set their own
CLIP_MAX_SECONDS = 60
# A recording or clip processing this long since its task was queued or started lost its task: beat requeues it.
MEDIA_PROCESSING_STUCK_MINUTES = env_int("MEDIA_PROCESSING_STUCK_MINUTES", 15)
MEDIA_TOOL_TIMEOUT = env_int("MEDIA_TOOL_TIMEOUT", 600)  # seconds one ffmpeg/ffprobe job may take

# --- WebRTC playback (Janus streaming plugin beside nginx-rtmp) ---------------------------------------
# `manage.py webrtcedge` renders deploy/mediaserver/janus/ into MEDIA_SERVER_ROOT/janus/ and runs Janus. Its HTTP
# API (sessions for viewers) and Admin API (mountpoints) listen on loopback only: browsers never reach Janus
# but over ICE/UDP; Django signals for them. The admin secret and the streaming plugin's admin key are made once
# into JANUS_SECRETS_FILE (never in a setting a page could render).
WEBRTC_ENABLED = env_bool("WEBRTC_ENABLED", True)
JANUS_BINARY = os.environ.get("JANUS_BINARY", "janus")
JANUS_PLUGINS_DIR = os.environ.get("JANUS_PLUGINS_DIR", "/usr/lib/x86_64-linux-gnu/janus")
JANUS_BIND = os.environ.get("JANUS_BIND", "127.0.0.1")
JANUS_HTTP_PORT = env_int("JANUS_HTTP_PORT", 18088)
JANUS_ADMIN_PORT = env_int("JANUS_ADMIN_PORT", 17088)
JANUS_SECRETS_FILE = Path(os.environ.get("JANUS_SECRETS_FILE", BASE_DIR / "var" / "janus-secrets.json"))
JANUS_TIMEOUT = float(os.environ.get("JANUS_TIMEOUT", "2"))  # seconds per call: a hook never waits long on Janus
# UDP ports Janus uses for browsers' media (ICE), and the ones ffmpeg sends each live stream's RTP copy to (two
# per stream, video and audio; Django allocates them). Open the first range in a firewall, never the second.
JANUS_RTP_PORT_RANGE = os.environ.get("JANUS_RTP_PORT_RANGE", "20000-20999")
WEBRTC_INGEST_PORT_RANGE = os.environ.get("WEBRTC_INGEST_PORT_RANGE", "21000-21999")
# ICE: Janus offers host candidates of the interfaces listed (empty: all but loopback, which libnice skips);
# behind NAT, its public address (NAT 1:1) and a STUN server. See the README's WebRTC section.
JANUS_ICE_ENFORCE_LIST = os.environ.get("JANUS_ICE_ENFORCE_LIST", "")
JANUS_NAT_1_1_MAPPING = os.environ.get("JANUS_NAT_1_1_MAPPING", "")
JANUS_STUN_SERVER = os.environ.get("JANUS_STUN_SERVER", "")  # host:port
JANUS_SESSION_TIMEOUT = env_int("JANUS_SESSION_TIMEOUT", 60)  # a viewer's keepalive comes every 20 s
# The RTP copy: at most 720p (H.264 level 3.1, what the mountpoint's profile-level-id announces).
WEBRTC_VIDEO_HEIGHT = min(env_int("WEBRTC_VIDEO_HEIGHT", 720), 720)
WEBRTC_VIDEO_KBPS = env_int("WEBRTC_VIDEO_KBPS", 1500)
WEBRTC_AUDIO_KBPS = env_int("WEBRTC_AUDIO_KBPS", 96)
WEBRTC_GRANT_MAX_AGE = env_int("WEBRTC_GRANT_MAX_AGE", 120)  # seconds; each keepalive hands out a fresh grant

# --- Product rules ------------------------------------------------------------------
STREAM_MAX_TAGS = 10
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
if PAYMENT_PROVIDER not in {"sandbox", "paystack"}:
    raise ImproperlyConfigured(f"PAYMENT_PROVIDER must be sandbox or paystack, not {PAYMENT_PROVIDER!r}")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Great Nigeria Library Live <live@localhost>")
# SMTP, when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend (password resets, notifications).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)  # seconds a reset link works: a day

# --- Notifications: Web Push (VAPID) ---------------------------------------------------
# The application server's key pair (base64url: the raw 32-byte private key, the 65-byte uncompressed public
# key) and the contact push services may write to. With no VAPID_PRIVATE_KEY, development generates a pair once
# into VAPID_KEY_FILE (var/) so `make run` works with no setup; production settings generate nothing.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:live@localhost")
VAPID_KEY_FILE = os.environ.get("VAPID_KEY_FILE", str(BASE_DIR / "var" / "vapid_private_key"))
# Where a browser's subscription may point (the server POSTs there): the browsers' push services by host
# suffix ("*": any https host; development only: check --deploy refuses it). Anything else is refused when
# subscribing, so the endpoint cannot aim the server at an internal address.
WEBPUSH_ENDPOINT_HOSTS = env_list(
    "WEBPUSH_ENDPOINT_HOSTS",
    ["fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com"],
)
WEBPUSH_TIMEOUT = env_int("WEBPUSH_TIMEOUT", 5)  # seconds per request to a push service
WEBPUSH_CONCURRENCY = env_int("WEBPUSH_CONCURRENCY", 8)  # requests in flight per delivery batch

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own console handler so each line is logged once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Chat -----------------------------------------------------------------------------
CHAT_RATE_MESSAGES = env_int("CHAT_RATE_MESSAGES", 10)  # flood protection: messages ...
CHAT_RATE_SECONDS = env_int("CHAT_RATE_SECONDS", 10)  # ... per this many seconds, per user and stream
CHAT_OUTBOX_LIMIT = env_int("CHAT_OUTBOX_LIMIT", 500)  # events queued for one slow viewer before we drop them
WS_MAX_PER_ADDRESS = env_int("WS_MAX_PER_ADDRESS", 20)  # open sockets per client address (0: no limit); more: 4429
VIEWER_SESSION_RESUME_SECONDS = env_int("VIEWER_SESSION_RESUME_SECONDS", 60)  # a reconnect within this reopens

# --- Coins and payments -----------------------------------------------------------------
PAYSTACK_BASE_URL = os.environ.get("PAYSTACK_BASE_URL", "https://api.paystack.co")
PAYSTACK_SECRET_KEY = os.environ.get("PAYSTACK_SECRET_KEY", "")
PAYMENT_PROVIDER_TIMEOUT = env_int("PAYMENT_PROVIDER_TIMEOUT", 15)
CREATOR_REVENUE_SHARE = os.environ.get("CREATOR_REVENUE_SHARE", "0.5")  # of every gift, as TikTok pays
PAYOUT_MINIMUM_COINS = env_int("PAYOUT_MINIMUM_COINS", 1000)
PAYOUT_NAIRA_PER_COIN = os.environ.get("PAYOUT_NAIRA_PER_COIN", "5.00")


# Content-Security-Policy (django-csp) in either mode: scripts and styles only from the site's own files (no
# inline code; a nonce for the one inline style Swagger UI's page has), video and its playlists from the HLS
# host (hls.js plays through a blob: MediaSource and a blob: worker), the chat socket on the site's origin.
def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _ws_origin(url: str) -> str:
    origin = _origin(url)
    return origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1) if origin else ""


_HLS_ORIGIN = _origin(HLS_BASE_URL)
_FILE_ORIGINS = []  # images, recordings and clips on object storage come from its host
if AWS_STORAGE_BUCKET_NAME:
    _FILE_ORIGINS = [_origin(os.environ.get("AWS_S3_ENDPOINT_URL", "")) or "https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", *_FILE_ORIGINS],
        "media-src": ["'self'", "blob:", *([_HLS_ORIGIN] if _HLS_ORIGIN else []), *_FILE_ORIGINS],
        "connect-src": ["'self'", *[o for o in (_HLS_ORIGIN, _ws_origin(SITE_URL)) if o]],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful browser features this site never uses are off for it and anything it might embed. Only features
# browsers know: Chromium logs an error on every page for one it does not (it dropped "bluetooth"), which
# streams/tests/test_pages_accessible_browser.py checks.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"
