"""Staff reads of the info app, through the one read gate (restrict)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from siaga.core.errors import NotFound
from siaga.core.permissions import restrict

from .models import Alert, Bulletin


def bulletins(user, status: str = ""):
    qs = restrict(Bulletin.objects.all(), user, "view").select_related("polres")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-pk")[:300]


def bulletin_for(user, pk: int) -> Bulletin:
    b = restrict(Bulletin.objects.all(), user, "view").filter(pk=pk).first()
    if b is None:
        raise NotFound(_("Not found."))
    return b


def alerts(user, state: str = "", external: bool | None = None):
    qs = restrict(Alert.objects.all(), user, "view").select_related("polres", "previous")
    if state:
        qs = qs.filter(state=state)
    if external is not None:
        qs = qs.filter(external=external)
    return qs.order_by("-updated_at", "-pk")[:300]


def alert_for(user, pk: int) -> Alert:
    a = restrict(Alert.objects.all(), user, "view").select_related("polres", "previous").filter(pk=pk).first()
    if a is None:
        raise NotFound(_("Not found."))
    return a


def area_choices(polres) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(kecamatan code, name, [(kelurahan code, name)]) of the Polres's kab/kota, for area pickers."""
    from siaga.territory.models import Level, Region

    rows = (
        Region.objects.filter(
            code__startswith=f"{polres.region_id}.", level__in=(Level.KECAMATAN, Level.KELURAHAN)
        )
        .order_by("code")
        .values_list("code", "name", "level")
    )
    out: list = []
    for code, name, level in rows:
        if level == Level.KECAMATAN:
            out.append((code, name, []))
        elif out and code.startswith(out[-1][0] + "."):
            out[-1][2].append((code, name))
    return out
