"""The territory registers of Tahap I: problems (with their history), Bhabinkamtibmas visits (sambang),
potentials, partners (with broadcasts) and informants (identity encrypted at rest, see crypto.py).

Every register is placed in the command hierarchy (Polres, Polsek, kelurahan) so the read gate scopes
it: a Bhabinkamtibmas sees his kelurahan, a Polsek its area, the Polres everything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siaga.core.permissions import RestrictedQuerySet, Scope

SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")


class Placed(models.Model):
    """Where a record sits: always a Polres; a Polsek and kelurahan when known; an RT or a point."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kelurahan_code = models.CharField(max_length=13, blank=True, db_index=True)
    rt_key = models.CharField(max_length=24, blank=True)  # "32.75.01.1001/001/002"
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        abstract = True


class ProblemKind(models.TextChoices):
    LAND = "land", _("Land dispute")
    BRAWL = "brawl", _("Gang or youth brawl")
    SARA = "sara", _("Ethnic or religious friction")
    POLITICAL = "political", _("Political tension")
    INDUSTRIAL = "industrial", _("Industrial dispute")
    NARCOTICS = "narcotics", _("Narcotics spot")
    OTHER = "other", _("Other")


class ProblemSource(models.TextChoices):
    VISIT = "visit", _("Bhabinkamtibmas visit")
    INTELLIGENCE = "intelligence", _("Intelligence")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """Potensi Gangguan, Ambang Gangguan, Gangguan Nyata (DOMAIN.md)."""

    PG = "PG", _("PG — potential disturbance")
    AG = "AG", _("AG — threshold of disturbance")
    GN = "GN", _("GN — actual disturbance")


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem status", "Open")
    MONITORED = "monitored", _("Monitored")
    RESOLVED = "resolved", _("Resolved")


class Problem(Placed):
    """A potential-conflict problem in an area."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ProblemKind.choices)
    description = models.TextField(blank=True)
    parties = models.JSONField(default=list, blank=True)  # free-text names of the parties
    source = models.CharField(max_length=12, choices=ProblemSource.choices)
    level = models.CharField(max_length=2, choices=Level.choices, default=Level.PG)
    status = models.CharField(max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    visit = models.ForeignKey(
        "mapping.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="raised"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["polres", "status", "level"])]
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class ProblemChange(models.Model):
    """One change of a problem: who, when, which field from what to what, and why."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    field = models.CharField(max_length=20)  # "created", "level", "status", ...
    old = models.CharField(max_length=200, blank=True)
    new = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    resource = "mapping.problem"
    scope = Scope(
        polda="problem__polres__polda",
        polres="problem__polres",
        polsek="problem__polsek",
        kelurahan="problem__kelurahan_code",
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class Visit(Placed):
    """A Bhabinkamtibmas visit (sambang) to his kelurahan."""

    date = models.DateField()
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.CharField(max_length=200)
    people_met = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    problems = models.ManyToManyField(Problem, blank=True, related_name="visits")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.place}"


class PotentialKind(models.TextChoices):
    NATURAL = "natural", _("Natural resource")
    PERSON = "person", _("Person (tokoh)")
    ACTIVITY = "activity", _("Activity or facility")
    NETWORK = "network", _("Network")


class PotentialCategory(models.TextChoices):
    # people
    TOKOH_MASYARAKAT = "tokoh_masyarakat", _("Community leader")
    TOKOH_AGAMA = "tokoh_agama", _("Religious leader")
    TOKOH_ADAT = "tokoh_adat", _("Customary leader")
    TOKOH_PEMUDA = "tokoh_pemuda", _("Youth leader")
    # activities
    MARKET = "market", _("Market")
    SCHOOL = "school", _("School")
    WORSHIP = "worship", _("Place of worship")
    EVENT = "event", _("Event")
    INDUSTRY = "industry", _("Industry")
    # the rest
    LAND = "land", _("Land or water")
    MINERAL = "mineral", _("Mineral")
    ORGANISATION = "organisation", _("Organisation")
    OTHER = "other", _("Other")


PERSON_CATEGORIES = frozenset({"tokoh_masyarakat", "tokoh_agama", "tokoh_adat", "tokoh_pemuda"})
ACTIVITY_CATEGORIES = frozenset({"market", "school", "worship", "event", "industry", "other"})


class Potential(Placed):
    """A potential of an area: a resource, a person of standing, an activity or a network."""

    kind = models.CharField(max_length=10, choices=PotentialKind.choices)
    category = models.CharField(max_length=20, choices=PotentialCategory.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)  # people only
    contact_email = models.CharField(max_length=254, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerKind(models.TextChoices):
    FKPM = "fkpm", _("FKPM")
    POKDAR = "pokdar", _("Pokdar Kamtibmas")
    SATPAM = "satpam", _("Satpam")
    RT_HEAD = "rt_head", _("RT head")
    RW_HEAD = "rw_head", _("RW head")
    COMMUNITY = "community", _("Community organisation")
    OTHER = "other", _("Other")


class Partner(Placed):
    """A community-policing partner with contacts for broadcasts."""

    kind = models.CharField(max_length=10, choices=PartnerKind.choices)
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Broadcast(models.Model):
    """A message sent to selected partners, kept with its recipients."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    recipients = models.ManyToManyField(Partner, related_name="broadcasts")
    reached = models.PositiveIntegerField(default=0)  # recipients with an e-mail or phone
    sent_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "mapping.partner"
    scope = Scope(polda="polres__polda", polres="polres")

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject


class Informant(models.Model):
    """An informant: a clear code name; identity fields only as Fernet tokens (crypto.py)."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kelurahan_code = models.CharField(max_length=13, blank=True)
    code_name = models.CharField(max_length=40)
    # Fernet tokens of the identity fields (name, nik, phone, address, handler_notes)
    identity = models.TextField()
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["polres", "code_name"], name="informant_code_unique_in_polres")
        ]
        ordering = ["code_name"]

    def __str__(self) -> str:
        return self.code_name


class CaseStage(models.TextChoices):
    """SARA, the problem-oriented policing cycle, in its order."""

    SCANNING = "scanning", _("Scanning")
    ANALYSIS = "analysis", _("Analysis")
    RESPONSE = "response", _("Response")
    ASSESSMENT = "assessment", _("Assessment")


class CaseFile(Placed):
    """A problem-oriented case file (SARA): linked problems and incidents of one area, the text of each
    stage, and the date the response began, from which the impact measure counts before and after."""

    title = models.CharField(max_length=200)
    area_level = models.CharField(max_length=10)  # rt | rw | kelurahan | kecamatan | polsek
    area_key = models.CharField(max_length=30)  # as the risk pages key areas
    area_name = models.CharField(max_length=160, blank=True)
    categories = models.JSONField(default=list, blank=True)  # incident category codes measured
    problems = models.ManyToManyField(Problem, blank=True, related_name="case_files")
    incidents = models.ManyToManyField("cad.Incident", blank=True, related_name="case_files")
    stage = models.CharField(max_length=10, choices=CaseStage.choices, default=CaseStage.SCANNING)
    scanning = models.TextField(blank=True)
    analysis = models.TextField(blank=True)
    response = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    response_started_at = models.DateTimeField(null=True, blank=True)
    impact_weeks = models.PositiveSmallIntegerField(default=8)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    resource = "mapping.casefile"

    class Meta:
        indexes = [models.Index(fields=["polres", "stage"])]
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class CaseStageChange(models.Model):
    """One move of a case file between SARA stages: who, when, from what to what, and why."""

    case_file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="stage_changes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    old = models.CharField(max_length=10, blank=True)
    new = models.CharField(max_length=10)
    note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()
    resource = "mapping.casefile"
    scope = Scope(
        polda="case_file__polres__polda",
        polres="case_file__polres",
        polsek="case_file__polsek",
        kelurahan="case_file__kelurahan_code",
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"
