"""The creator studio's stream pages (``/studio/``): the creator's streams by status, creating, scheduling and
editing them, and each stream's own studio page (broadcasting and the live dashboard).

The studio is pages over the data each app owns, so each app keeps its own studio pages in a ``studio``
package like this one (chat: channel moderation, wallet: money, accounts: verification, analytics: charts),
mounted under ``/studio/<section>/`` by ``livestream/urls.py``; they share ``templates/studio/base.html``.
"""
