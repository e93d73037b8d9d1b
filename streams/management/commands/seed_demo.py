"""Idempotent demo data: every app with a ``demo`` module adds its own."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_APPS = ("streams", "chat", "gifts", "wallet")


class Command(BaseCommand):
    help = "Add demo categories, users and streams (safe to run again)."

    def handle(self, *args, **options):
        for label in DEMO_APPS:
            if not apps.is_installed(label):
                continue
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{label}.demo":
                    raise
                continue
            with transaction.atomic():
                for line in module.seed():
                    self.stdout.write(line)
