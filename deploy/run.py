"""`make run`: the development server and the media server, under honcho.

daphne serves the site, the API and chat on PORT (SQLite, in-memory channel layer and eager Celery unless
DATABASE_URL / REDIS_URL say otherwise); `manage.py mediaserver` runs nginx-rtmp (RTMP ingest, HLS) when this
machine has nginx, its RTMP module and ffmpeg, and `manage.py webrtcedge` runs Janus (WebRTC playback) beside
it when the machine has janus; with REDIS_URL, a Celery worker with beat runs the recording,
thumbnail and payout jobs. Without the media tools it serves the rest and says what to install.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / "var" / "run-dev"


def main() -> int:
    from django.conf import settings

    from streams.media import janus
    from streams.media.config import missing_tools, ports_in_use

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT") or 8000)
    venv_bin = Path(sys.executable).parent
    # nginx-rtmp calls the hooks on the server we start here, unless told otherwise.
    os.environ.setdefault("MEDIA_HOOK_BASE_URL", f"http://127.0.0.1:{port}/media-hooks")
    procs = {"web": f"{venv_bin}/daphne -b {host} -p {port} livestream.asgi:application"}
    missing = missing_tools()
    if missing:
        print(
            "Media server off: this machine lacks " + ", ".join(missing) + ". Install with\n"
            "    sudo apt-get install -y " + " ".join(missing) + "\n"
            "and run `make run` again (as root, make run installs them itself).",
            file=sys.stderr,
        )
    elif taken := ports_in_use():
        print(
            f"Media server off: another process holds {', '.join(taken)}. Stop it, or run e.g.\n"
            "    RTMP_PORT=19351 MEDIA_HTTP_PORT=18081 make run",
            file=sys.stderr,
        )
    else:
        procs["media"] = f"{venv_bin}/python manage.py mediaserver"
        print(f"RTMP ingest: {settings.RTMP_INGEST_URL}   HLS: {settings.HLS_BASE_URL}")
        if not settings.WEBRTC_ENABLED:
            pass
        elif janus_missing := janus.missing_tools():
            install = "sudo apt-get install -y " + " ".join(janus_missing)
            print(f"WebRTC edge off (pages play HLS): install it with\n    {install}", file=sys.stderr)
        elif janus_taken := janus.ports_in_use():
            print(f"WebRTC edge off: another process holds {', '.join(janus_taken)}.", file=sys.stderr)
        else:
            procs["webrtc"] = f"{venv_bin}/python manage.py webrtcedge"
    if os.environ.get("REDIS_URL"):
        procs["worker"] = (
            f"{venv_bin}/celery -A livestream worker --beat --loglevel INFO --concurrency 2"
            f" --schedule {RUN_DIR}/celerybeat-schedule"
        )
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "Procfile").write_text("".join(f"{name}: {command}\n" for name, command in procs.items()))
    print(f"Serving on http://{host}:{port}")
    honcho = str(venv_bin / "honcho")
    os.execv(honcho, [honcho, "-f", str(RUN_DIR / "Procfile"), "-d", str(ROOT), "start"])


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livestream.settings.base")
    django.setup()
    sys.exit(main())
