from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from siaga.core.permissions import RestrictedQuerySet, Scope
from siaga.core.roles import STAFF_ROLES, Role


class SiagaUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    """Django's user manager plus `.restrict(user, action)`, like every other scoped model."""


class User(AbstractUser):
    """A person who signs in. Staff carry a jurisdiction scope: the narrowest of the four fields set.

    Polda → Polres → Polsek → kelurahan nest: a Polsek-scoped user also has its Polres and Polda set,
    so records can be filtered by whichever level a model carries.
    """

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CITIZEN, db_index=True)
    polda = models.ForeignKey(
        "territory.Polda", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    polres = models.ForeignKey(
        "territory.Polres", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kelurahan_code = models.CharField(max_length=13, blank=True, db_index=True)
    phone = models.CharField(max_length=30, blank=True)
    nrp = models.CharField(max_length=20, blank=True)  # personnel number, for Polri staff
    require_2fa = models.BooleanField(default=False)

    objects = SiagaUserManager()

    resource = "accounts.user"
    scope = Scope(polda="polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def scope_label(self) -> str:
        if self.kelurahan_code:
            return f"kelurahan {self.kelurahan_code}"
        for level in ("polsek", "polres", "polda"):
            if (v := getattr(self, level)) is not None:
                return str(v)
        return "installation"
