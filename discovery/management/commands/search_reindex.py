"""Rebuild every stream's and creator's search row (after a bulk load that skipped the signal receivers)."""

from django.core.management.base import BaseCommand

from discovery.search.index import search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the search documents of every stream and creator."

    def handle(self, *args, **options):
        streams, creators = search_reindex_all()
        self.stdout.write(f"Search documents rebuilt: {streams} streams, {creators} creators.")
