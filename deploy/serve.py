"""`make serve`: the production topology on one machine, under honcho.

nginx on PORT (default 8000) is the one origin. Plain HTTP goes to gunicorn
(WEB_WORKERS processes x WEB_THREADS threads, WSGI), WebSocket upgrades to
WS_PROCESSES ASGI processes (WS_SERVER=uvicorn, the default, or daphne),
/static/ and public /media/ straight from disk (gated files by X-Accel-Redirect
once Django has checked the link or the caller). A Celery worker and beat run beside
them, and the media server (nginx-rtmp: RTMP ingest, HLS) when its tools are
installed. Everything shares DATABASE_URL and REDIS_URL.
"""

import os
import shutil
import sys
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / "var" / "run"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def main() -> int:
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        print(f"make serve needs {' and '.join(missing)} (PostgreSQL and Redis); see the README.", file=sys.stderr)
        return 2
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        print("nginx is not installed: apt-get install nginx (make serve does this when run as root).", file=sys.stderr)
        return 2
    port = env_int("PORT", 8000)
    web_port = env_int("WEB_PORT", port + 1)
    ws_processes = env_int("WS_PROCESSES", 2)
    ws_ports = [web_port + 1 + n for n in range(ws_processes)]
    bind = os.environ.get("BIND", "127.0.0.1")
    venv_bin = Path(sys.executable).parent

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    from django.conf import settings  # settings are configured by the caller's DJANGO_SETTINGS_MODULE

    values = {
        "RUN_DIR": str(RUN_DIR),
        "PORT": str(port),
        "BIND": bind,
        "WEB_PORT": str(web_port),
        "WS_SERVERS": "\n".join(f"        server 127.0.0.1:{p};" for p in ws_ports),
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # The proxy's own limit on open WebSockets per address: above the app's, so the app's 4429 speaks first.
        "WS_PROXY_MAX_PER_ADDRESS": str(env_int("WS_PROXY_MAX_PER_ADDRESS", 2 * settings.WS_MAX_PER_ADDRESS or 40)),
    }
    # Gated files (recordings, clips, statements): Django checks, then nginx sends them from its internal location.
    os.environ.setdefault("PROTECTED_MEDIA_ACCEL_PREFIX", "/_protected-media/")
    # The site's origin (browser sockets' Origin check, absolute links): honcho gives each process its own PORT,
    # so the settings' default (from PORT) would name a port nobody serves and refuse every browser socket.
    os.environ.setdefault("SITE_URL", f"http://{'127.0.0.1' if bind in ('0.0.0.0', '::') else bind}:{port}")  # noqa: S104
    # nginx (deploy/nginx.conf.template) sets X-Forwarded-For to the address it saw: one trusted proxy.
    os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")
    template = Template((ROOT / "deploy" / "nginx.conf.template").read_text())
    (RUN_DIR / "nginx.conf").write_text(template.safe_substitute(values))

    web_workers = env_int("WEB_WORKERS", 2)
    web_threads = env_int("WEB_THREADS", 8)
    web_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
    max_requests = env_int("WEB_MAX_REQUESTS", 20000)
    web = (
        f"{venv_bin}/gunicorn livestream.wsgi:application --bind 127.0.0.1:{web_port}"
        f" --workers {web_workers} --threads {web_threads} --worker-class {web_class}"
        f" --max-requests {max_requests} --max-requests-jitter {max_requests // 10} --graceful-timeout 20"
    )
    if os.environ.get("ACCESS_LOG"):
        web += " --access-logfile -"
    celery_concurrency = env_int("CELERY_CONCURRENCY", 2)
    procs = {
        "proxy": f"{nginx} -p {RUN_DIR} -c {RUN_DIR}/nginx.conf -g 'daemon off;'",
        "web": web,
        "worker": f"{venv_bin}/celery -A livestream worker --loglevel INFO --concurrency {celery_concurrency}",
        "beat": f"{venv_bin}/celery -A livestream beat --loglevel INFO --schedule {RUN_DIR}/celerybeat-schedule",
    }
    from streams.media.config import missing_tools

    missing = missing_tools()
    if missing:
        print(f"Media server off: install {' '.join(missing)} (apt-get) for RTMP ingest and HLS.", file=sys.stderr)
    else:
        # nginx-rtmp's hooks go straight to gunicorn on loopback, never through the public proxy.
        os.environ.setdefault("MEDIA_HOOK_BASE_URL", f"http://127.0.0.1:{web_port}/media-hooks")
        procs["media"] = f"{venv_bin}/python manage.py mediaserver"
    from streams.media import janus

    if settings.WEBRTC_ENABLED and janus.missing_tools():
        print("WebRTC edge off: install janus (apt-get) for real-time playback; pages play HLS.", file=sys.stderr)
    elif settings.WEBRTC_ENABLED:
        procs["webrtc"] = f"{venv_bin}/python manage.py webrtcedge"
    ws_server = os.environ.get("WS_SERVER", "uvicorn")  # measured faster for chat fan-out (README)
    for index, ws_port in enumerate(ws_ports, start=1):
        if ws_server == "uvicorn":
            procs[f"ws{index}"] = (
                f"{venv_bin}/uvicorn --host 127.0.0.1 --port {ws_port} --loop uvloop --http httptools"
                " --lifespan off --no-access-log --proxy-headers livestream.asgi:application"
            )
        elif ws_server == "daphne":
            procs[f"ws{index}"] = (
                f"{venv_bin}/daphne -b 127.0.0.1 -p {ws_port} --proxy-headers livestream.asgi:application"
            )
        else:
            print(f"WS_SERVER must be daphne or uvicorn, not {ws_server!r}.", file=sys.stderr)
            return 2
    (RUN_DIR / "Procfile").write_text("".join(f"{name}: {command}\n" for name, command in procs.items()))
    print(
        f"Serving on http://{bind}:{port}  (web: gunicorn {web_workers}x{web_threads}, ws: {ws_processes} {ws_server})"
    )
    os.execv(venv_bin / "honcho", [str(venv_bin / "honcho"), "-f", str(RUN_DIR / "Procfile"), "-d", str(ROOT), "start"])


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.production")
    django.setup()
    sys.exit(main())
