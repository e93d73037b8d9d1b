from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from livestream import seo_views
from livestream.api import views as api_views
from livestream.views import public_media
from streams.account_views import account_settings
from streams.sitemaps import ChannelSitemap, StreamSitemap

# /sitemap.xml's sections, each an app's own Sitemap class (its ``sitemaps.py``, on livestream.sitemaps's
# SiteSitemap): a new kind of public page (categories, tags) adds its section here. Django pages a section
# past 50,000 entries (``?p=2``) and the index lists every page.
SITEMAPS = {
    "channels": ChannelSitemap,
    "streams": StreamSitemap,
}

# Django tries patterns in order: the API, and in it gifts (the hottest route, a popular stream's gifts),
# come first so a gift is not matched against every admin and page pattern. No two of these prefixes overlap.
api_v1 = [
    path("", include("gifts.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("streams.api.urls")),
    path("", include("chat.api.urls")),
    path("", include("wallet.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("discovery.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Split: the init script is a file, not inline (Content-Security-Policy); the template nonces its style.
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="drf_spectacular/swagger_ui_csp.html"),
        name="swagger-ui",
    ),
    # Anything else under /api/ is the API's JSON 404, DEBUG or not (never the site's HTML page).
    re_path(r"^api/", api_views.not_found, name="api-not-found"),
    # The settings page also changes the avatar (the creator profile's, in streams): accounts imports no app.
    path("accounts/settings/", account_settings, name="account-settings"),
    path("accounts/", include("accounts.urls")),
    path("media-hooks/", include("streams.hook_urls")),
    # The creator studio: each app's own studio pages (its `studio` package) under one prefix.
    path("studio/verification/", include("accounts.studio.urls")),
    path("studio/analytics/", include("analytics.studio.urls")),
    path("studio/", include("streams.studio.urls")),
    path("studio/money/", include("wallet.studio.urls")),
    path("studio/moderation/", include("chat.studio.urls")),
    path("robots.txt", seo_views.robots_txt, name="robots-txt"),
    path("sitemap.xml", seo_views.sitemap_index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("", include("wallet.urls")),
    path("", include("notifications.urls")),
    path("", include("discovery.urls")),
    path("", include("streams.urls")),
    # Development only (the view answers 404 unless DEBUG; nginx serves /media/ in production), and never the
    # private prefix: files with access rules go by signed links (livestream/private_files.py).
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", public_media),
]

# Errors Django answers itself (outside DRF's views) are JSON under /api/, the site's pages elsewhere.
handler400 = "livestream.api.views.bad_request"
handler403 = "livestream.api.views.permission_denied"
handler404 = "livestream.api.views.page_not_found"
handler500 = "livestream.api.views.server_error"
