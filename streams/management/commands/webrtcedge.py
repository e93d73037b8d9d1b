"""Run the WebRTC edge: Janus with its streaming plugin, configured from settings, in the foreground."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from streams.media import janus


class Command(BaseCommand):
    help = "Render Janus's configuration (streaming plugin, HTTP transport, loopback APIs) and run it (foreground)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Render the configuration, then exit.")

    def handle(self, *args, check: bool = False, **options):
        if not settings.WEBRTC_ENABLED:
            raise CommandError("WebRTC playback is off (WEBRTC_ENABLED=0): no edge to run.")
        missing = janus.missing_tools()
        if missing:
            names = " ".join(missing)
            raise CommandError(f"The WebRTC edge needs {names}. Install with: apt-get install -y {names}")
        config = janus.render()
        self.stdout.write(f"WebRTC edge configuration OK: {config}")
        if check:
            return
        taken = janus.ports_in_use()
        if taken:
            raise CommandError(
                f"Another process holds {', '.join(taken)} (a Janus already running?). "
                "Stop it, or choose free ports with the JANUS_HTTP_PORT and JANUS_ADMIN_PORT environment variables."
            )
        self.stdout.write("Starting Janus in the foreground.")
        self.stdout.flush()
        binary = janus.janus_binary()
        # -F: our configs folder; -C: our main file. Janus becomes this process: the process manager's signals reach it.
        os.execv(binary, [binary, "-F", str(config.parent), "-C", str(config)])  # noqa: S606
