"""The roles of a Polres installation. Labels are translated; codes are stable."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COMMANDER = "commander", _("Kapolres / commander")
    KABAG_OPS = "kabag_ops", _("Kabag Ops")
    OPERATOR = "operator", _("SPKT / 110 operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PATROL = "patrol", _("Patrol officer")
    BHABIN = "bhabin", _("Bhabinkamtibmas")
    INTELKAM = "intelkam", _("Intelkam")
    ANALYST = "analyst", _("Analyst")
    LANTAS = "lantas", _("Lantas (traffic)")
    STAFF = "staff", _("SDM / Log / Ren staff")
    HUMAS = "humas", _("Si Humas (public relations)")
    LEGAL = "sikum", _("Si Kum (legal)")
    PARTNER = "partner", _("Partner")
    CITIZEN = "citizen", _("Citizen")


STAFF_ROLES = frozenset(r for r in Role if r not in (Role.PARTNER, Role.CITIZEN))
