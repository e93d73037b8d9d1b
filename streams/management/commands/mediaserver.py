"""Run the media server: nginx with the RTMP module, configured from settings, in the foreground."""

import os
import subprocess

from django.core.management.base import BaseCommand, CommandError

from streams.media.config import missing_tools, nginx_binary, ports_in_use, render


class Command(BaseCommand):
    help = "Render the nginx-rtmp configuration, check it with `nginx -t`, and run nginx in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Render and check the configuration, then exit.")

    def handle(self, *args, check: bool = False, **options):
        missing = missing_tools()
        if missing:
            raise CommandError(
                "The media server needs "
                + ", ".join(missing)
                + ". Install with: apt-get install -y "
                + " ".join(missing)
            )
        rendered = render()
        root = str(rendered.nginx_conf.parent) + "/"
        base = [nginx_binary(), "-e", "stderr", "-p", root, "-c", str(rendered.nginx_conf)]
        result = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True)  # noqa: S603 (our own argv)
        if result.returncode != 0:
            raise CommandError(f"nginx -t refused {rendered.nginx_conf}:\n{result.stderr.strip()}")
        self.stdout.write(f"Media server configuration OK: {rendered.nginx_conf}")
        if check:
            return
        taken = ports_in_use()
        if taken:
            raise CommandError(
                f"Another process holds {', '.join(taken)} (a media server already running?). "
                "Stop it, or choose free ports with the RTMP_PORT and MEDIA_HTTP_PORT environment variables."
            )
        self.stdout.write("Starting nginx-rtmp in the foreground.")
        self.stdout.flush()
        os.execv(base[0], base)  # noqa: S606 -- nginx becomes this process: signals from the process manager reach it
