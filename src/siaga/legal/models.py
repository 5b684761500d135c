"""Legal service records: the regulation library (regulations, their articles, their relations), the old →
new KUHP article mapping, public FAQ entries and citizens' consultations answered by Si Kum.

The library is public reference data (no jurisdiction). A consultation belongs to the Polres whose Si Kum
answers it; the asker's name and e-mail are optional, kept for staff only and never on a public page.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

LIBRARY = "legal.regulation"  # the library's POLICY resource: regulations, articles, mapping, FAQ


class Kind(models.TextChoices):
    UU = "UU", _("Law (UU)")
    PP = "PP", _("Government regulation (PP)")
    PERPRES = "Perpres", _("Presidential regulation (Perpres)")
    PERPOL = "Perpol", _("Police regulation (Perpol)")
    PERKAP = "Perkap", _("Police chief regulation (Perkap)")
    PERKAPOLRI = "Perkapolri", _("Police chief regulation (Perkapolri)")
    KUHP = "KUHP", _("Criminal code (KUHP)")
    KUHAP = "KUHAP", _("Criminal procedure code (KUHAP)")


class RegulationStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("In force, amended")
    REVOKED = "revoked", _("Revoked")


class Regulation(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    number = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    short_name = models.CharField(max_length=80, blank=True)  # e.g. "UU Polri", "KUHP baru"
    status = models.CharField(
        max_length=10, choices=RegulationStatus.choices, default=RegulationStatus.IN_FORCE
    )
    enacted = models.DateField(null=True, blank=True)
    effective = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)  # a short summary written for the library, not official text
    source = models.CharField(max_length=300, blank=True)  # where the official text is published
    full_text = models.BooleanField(default=False)  # the official text was imported
    updated_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = LIBRARY

    class Meta:
        ordering = ["kind", "-year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number", "year"], name="legal_regulation_unique")
        ]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        if self.kind == Kind.KUHP and not self.number.isdigit():
            return f"KUHP ({self.number})"
        return f"{self.kind} {self.number}/{self.year}"


class Article(models.Model):
    """One pasal with its place in the structure (bab, bagian, paragraf) and its text, whose lines
    starting "(1)", "(2)" are its ayat. `is_summary`: the text is a summary written for the library
    because the official text is not loaded; pages say so."""

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="articles")
    number = models.CharField(max_length=12)  # "1", "27A", "363"
    order = models.PositiveIntegerField()
    bab = models.CharField(max_length=20, blank=True)
    bab_title = models.CharField(max_length=300, blank=True)
    bagian = models.CharField(max_length=40, blank=True)
    bagian_title = models.CharField(max_length=300, blank=True)
    paragraf = models.CharField(max_length=40, blank=True)
    paragraf_title = models.CharField(max_length=300, blank=True)
    heading = models.CharField(max_length=200, blank=True)  # a short subject line ("Pencurian")
    text = models.TextField(blank=True)
    is_summary = models.BooleanField(default=True)
    label = models.CharField(max_length=400)  # citation + heading: the title column of the search index

    objects = RestrictedQuerySet.as_manager()
    resource = LIBRARY

    class Meta:
        ordering = ["regulation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "number"], name="legal_article_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.regulation.citation} Pasal {self.number}"

    @property
    def slug(self) -> str:
        return self.number.lower()

    def ayat(self) -> list[tuple[str, str]]:
        from .parser import split_ayat

        return split_ayat(self.text)


class RelationKind(models.TextChoices):
    REVOKES = "revokes", _("revokes")
    AMENDS = "amends", _("amends")


class Relation(models.Model):
    """`source` revokes or amends `target` (from `effective`, when known)."""

    source = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=8, choices=RelationKind.choices)
    effective = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    resource = LIBRARY

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="legal_relation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.target}"


class KuhpMapping(models.Model):
    """An article of the old KUHP (Wetboek van Strafrecht) and its counterpart in UU 1/2023."""

    old_number = models.CharField(max_length=12, db_index=True)
    new_number = models.CharField(max_length=12, db_index=True)
    offence = models.CharField(max_length=120)  # "pencurian dengan pemberatan (curat)"
    note = models.CharField(max_length=300, blank=True)  # what changed
    source = models.CharField(max_length=300)  # where the correspondence was checked
    verified = models.BooleanField(default=False)  # checked against a second source, not only our reading
    order = models.PositiveIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    resource = LIBRARY

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["old_number", "new_number"], name="legal_kuhp_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"KUHP {self.old_number} → UU 1/2023 {self.new_number}"


class Topic(models.TextChoices):
    CRIMINAL = "pidana", _("Crime and criminal procedure")
    TRAFFIC = "lalu_lintas", _("Traffic")
    PERMITS = "perizinan", _("Permits and police letters")
    FAMILY = "keluarga", _("Family and domestic violence")
    CYBER = "siber", _("Online and electronic transactions")
    DATA = "data", _("Personal data and public information")
    OTHER = "lainnya", _("Other")


class FaqEntry(models.Model):
    topic = models.CharField(max_length=12, choices=Topic.choices, db_index=True)
    question = models.TextField()
    answer = models.TextField()
    references = models.CharField(max_length=300, blank=True)  # "UU 22/2009 Pasal 229"
    published = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)
    consultation = models.OneToOneField(
        "Consultation", null=True, blank=True, on_delete=models.SET_NULL, related_name="faq"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = LIBRARY

    class Meta:
        ordering = ["topic", "order", "pk"]

    def __str__(self) -> str:
        return self.question[:60]


class ConsultationStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Being answered")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Consultation(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    tracking_code = models.CharField(max_length=10, unique=True)
    key = models.CharField(max_length=64, unique=True)  # the client's idempotency key
    topic = models.CharField(max_length=12, choices=Topic.choices)
    question = models.TextField()
    # identity: optional, staff only, never public, never in the audit trail
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    lang = models.CharField(max_length=8, default="id")  # the asker's language, for the e-mail
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = "legal.consultation"
    scope = Scope(polda="polres__polda", polres="polres")

    class Meta:
        indexes = [models.Index(fields=["polres", "status", "created_at"])]

    def __str__(self) -> str:
        return self.tracking_code
