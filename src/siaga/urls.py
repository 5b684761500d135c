from django.conf import settings
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from .api import api, not_found
from .cad.urls import officer_urlpatterns

# a database out of reach is a 503 (JSON under /api/), not a 500: siaga/core/outage.py
handler500 = "siaga.core.outage.server_error"

urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/", not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("siaga.accounts.urls")),
    path("territory/", include("siaga.territory.urls")),
    path("audit/", include("siaga.core.urls")),
    path("ops/", include("siaga.cad.urls")),
    path("officer/", include(officer_urlpatterns)),
    path("", include("siaga.web.urls")),
    path("", include("siaga.portal.urls")),
    path("", include("siaga.permits.urls")),
    path("", include("siaga.info.urls")),
    path("", include("siaga.legal.urls")),
    path("open311/v2/", include("siaga.open311.urls")),
    path("wilayah/profil/", include("siaga.mapping.profile_urls")),
    path("wilayah/", include("siaga.mapping.urls")),
    path("analitik/patroli/", include("siaga.analytics.patrol_urls")),
    path("analitik/", include("siaga.analytics.urls")),
    path("ingest/", include("siaga.ingest.urls")),
    path("geofence/", include("siaga.geofences.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
