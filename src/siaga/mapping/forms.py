"""Write forms of the register pages. They only parse what the browser sends; every rule (lengths, choices,
place inside the user's area, history) is the service's, whose errors the view puts back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.territory.models import Level as RegionLevel
from siaga.territory.models import Region, Rt

from . import places
from .models import (
    Level,
    PartnerKind,
    PotentialCategory,
    PotentialKind,
    ProblemKind,
    ProblemSource,
    ProblemStatus,
)

RT_CHOICES_MAX = 3000  # beyond this an RT list is no help: the map click places the record


def area_kelurahan(user) -> list[Region]:
    """The kelurahan a user may place records in: his own, his Polsek's, or his Polres's kab/kota."""
    qs = Region.objects.filter(level=RegionLevel.KELURAHAN).order_by("name")
    if user.kelurahan_code:
        return list(qs.filter(code=user.kelurahan_code))
    if user.polsek_id:
        from siaga.territory.selectors import _effective_kelurahan

        return list(qs.filter(code__in=_effective_kelurahan([user.polsek_id]).get(user.polsek_id, [])))
    polres = places.home_polres(user)
    if polres is not None:
        return list(qs.filter(code__startswith=f"{polres.region_id}."))
    return list(qs) if getattr(user, "role", None) == "admin" else []


def _choices(enum, blank: bool = False) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + list(enum.choices)


class PlaceForm(forms.Form):
    """One place: a point (set by a map click), an RT or a kelurahan. The service takes exactly one."""

    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    rt_key = forms.ChoiceField(label=_("RT"), required=False)
    kelurahan_code = forms.ChoiceField(label=_("Kelurahan"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        kels = area_kelurahan(user)
        self.kelurahan = kels
        self.fields["kelurahan_code"].choices = [("", "—")] + [(k.code, f"{k.name} ({k.code})") for k in kels]
        rts = Rt.objects.filter(kelurahan_id__in=[k.code for k in kels])
        if rts.count() <= RT_CHOICES_MAX:
            names = {k.code: k.name for k in kels}
            self.fields["rt_key"].choices = [("", "—")] + [
                (t.key, f"{names.get(t.kelurahan_id, t.kelurahan_id)} RW {t.rw_number:03d} RT {t.number:03d}")
                for t in rts
            ]
        else:
            self.fields["rt_key"] = forms.CharField(
                label=_("RT"), required=False, help_text=_("kelurahan code/RW/RT, e.g. 32.75.01.1001/001/002")
            )

    def place(self) -> dict:
        d = self.cleaned_data
        return {
            "lat": d.get("lat"),
            "lon": d.get("lon"),
            "rt_key": d.get("rt_key") or "",
            "kelurahan_code": d.get("kelurahan_code") or "",
        }


def _lines(label) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line.")
    )


class ProblemForm(PlaceForm):
    title = forms.CharField(label=_("Problem"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(ProblemKind))
    source = forms.ChoiceField(label=_("Source"), choices=_choices(ProblemSource))
    level = forms.ChoiceField(label=_("Level"), choices=_choices(Level))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parties = _lines(_("Parties"))
    note = forms.CharField(label=_("Note"), required=False)

    field_order = ["title", "kind", "source", "level", "description", "parties", "note"]


class ProblemEditForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=_choices(Level))
    status = forms.ChoiceField(label=_("Status"), choices=_choices(ProblemStatus))
    parties = _lines(_("Parties"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why it changed (required when resolving)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VisitForm(PlaceForm):
    """A sambang visit, with an optional problem raised there (placed where the map was clicked)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place_name = forms.CharField(label=_("Place visited"), max_length=200)
    people_met = _lines(_("People met"))
    topics = _lines(_("Topics"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    problem_title = forms.CharField(label=_("Problem raised (optional)"), required=False, max_length=200)
    problem_kind = forms.ChoiceField(
        label=_("Kind"), choices=_choices(ProblemKind, blank=True), required=False
    )
    problem_level = forms.ChoiceField(label=_("Level"), choices=_choices(Level), required=False)

    field_order = ["date", "place_name", "people_met", "topics", "notes"]


class PotentialForm(PlaceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(PotentialKind))
    category = forms.ChoiceField(label=_("Category"), choices=_choices(PotentialCategory))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_phone = forms.CharField(label=_("Phone (people only)"), required=False, max_length=40)
    contact_email = forms.CharField(label=_("E-mail (people only)"), required=False, max_length=254)

    field_order = ["kind", "category", "name", "description", "contact_phone", "contact_email"]


class PartnerForm(PlaceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(PartnerKind))
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    phone_number = forms.CharField(label=_("Phone"), required=False, max_length=40)
    email_address = forms.CharField(label=_("E-mail"), required=False, max_length=254)

    field_order = ["kind", "name", "organisation", "phone_number", "email_address"]


class BroadcastForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    partner_ids = forms.MultipleChoiceField(
        label=_("Partners"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_ids"].choices = [
            (str(p.pk), f"{p.name} · {p.get_kind_display()}") for p in partners
        ]


class InformantForm(forms.Form):
    code_name = forms.CharField(label=_("Code name"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    nik = forms.CharField(label=_("NIK"), required=False, max_length=16)
    phone_number = forms.CharField(label=_("Phone"), required=False, max_length=40)
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    handler_notes = forms.CharField(
        label=_("Handler notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kelurahan_code = forms.ChoiceField(label=_("Kelurahan"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kelurahan_code"].choices = [("", _("Polres-wide"))] + [
            (k.code, f"{k.name} ({k.code})") for k in area_kelurahan(user)
        ]
