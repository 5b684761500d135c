"""Forms of the case-file pages. They only parse; siaga.mapping.casefiles validates and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.cad.categories import CATEGORY_CHOICES

from .models import CaseStage
from .profile_areas import LEVELS
from .profiles import LEVEL_LABELS

TEXT = {"rows": 4}


class CaseFileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    area_level = forms.ChoiceField(label=_("Area level"), choices=[(lv, LEVEL_LABELS[lv]) for lv in LEVELS])
    area_key = forms.CharField(
        label=_("Area key"),
        max_length=30,
        help_text=_("As on the risk pages: a kelurahan code, kel/RW, kel/RW/RT or a Polsek code."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Incident categories measured"),
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Empty: the categories of the linked incidents."),
    )
    problem_ids = forms.MultipleChoiceField(
        label=_("Linked problems"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    incident_numbers = forms.CharField(
        label=_("Linked incidents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Incident numbers, separated by spaces, commas or new lines."),
    )
    impact_weeks = forms.IntegerField(label=_("Weeks before and after the response"), initial=8)
    scanning = forms.CharField(label=_("Scanning"), required=False, widget=forms.Textarea(attrs=TEXT))
    analysis = forms.CharField(label=_("Analysis"), required=False, widget=forms.Textarea(attrs=TEXT))
    response = forms.CharField(label=_("Response"), required=False, widget=forms.Textarea(attrs=TEXT))
    assessment = forms.CharField(label=_("Assessment"), required=False, widget=forms.Textarea(attrs=TEXT))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, problems=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem_ids"].choices = [(str(p.pk), f"{p.title} ({p.level})") for p in problems]
        if editing:  # the area of a case file is fixed once it is opened
            for name in ("area_level", "area_key"):
                self.fields[name].disabled = True
                self.fields[name].required = False
        else:
            for name in ("analysis", "response", "assessment"):
                del self.fields[name]


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=CaseStage.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
