"""Pages that share well, as plumbing every app can use (it knows no app): absolute links on the site's public
origin and JSON-LD blocks safe to put in a page.

Canonical links, Open Graph URLs, sitemap entries (``livestream.sitemaps``) and robots.txt all name
``settings.SITE_URL``, never the host a request came to: one page has one address, whichever name or port it
was reached by.
"""

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from livestream.links import absolute_url

# In a <script type="application/ld+json"> these would end the element or start markup (a title may hold
# "</script>"); JSON reads the escapes back as the same characters (Django's json_script does the same).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_url(url: str) -> str:
    """``url`` (a path, or already absolute: object storage's) on the site's public origin."""
    return absolute_url(url)


def json_ld(data: dict) -> SafeString:
    """``data`` as a JSON-LD block. A data block, not a script: the Content-Security-Policy does not apply."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped
