from django.conf import settings
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from .api import api
from .cad.urls import officer_urlpatterns

urlpatterns = [
    path("api/", api.urls),
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
    path("wilayah/", include("siaga.mapping.urls")),
    path("analitik/", include("siaga.analytics.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
