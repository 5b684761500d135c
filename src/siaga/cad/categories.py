"""Polri call and incident categories, with the facts the rest of Siaga needs about each.

`weight` is a severity weight (used by risk scores), `group` follows Bareskrim's grouping where it
applies, `peak_hours` is the typical time-of-day profile (used by the demo and as a prior).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str  # crime, disturbance, traffic, fire, humanitarian, information, prank
    weight: float
    default_priority: int
    kuhp_old: str = ""  # KUHP (old) article
    kuhp_new: str = ""  # UU 1/2023 article, in force from 2 Jan 2026
    peak_hours: tuple[int, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "curat", _("Theft with aggravation (curat)"), "crime", 3, 2, "363", "477", (0, 1, 2, 3, 4, 13, 14)
    ),
    Category("curas", _("Violent theft (curas)"), "crime", 6, 1, "365", "479", (21, 22, 23, 0)),
    Category(
        "curanmor", _("Vehicle theft (curanmor)"), "crime", 4, 2, "363", "477", (1, 2, 3, 12, 13, 19, 20)
    ),
    Category("pencurian", _("Ordinary theft"), "crime", 2, 3, "362", "476", (10, 11, 12, 13, 14, 15, 16)),
    Category("penipuan", _("Fraud"), "crime", 2, 3, "378", "492", (9, 10, 11, 13, 14, 15)),
    Category("penganiayaan", _("Assault"), "crime", 4, 2, "351", "466", (20, 21, 22, 23, 0, 1)),
    Category("anirat", _("Grievous assault (anirat)"), "crime", 7, 1, "354", "468", (21, 22, 23, 0, 1)),
    Category("pembunuhan", _("Homicide"), "crime", 10, 1, "338", "458", (21, 22, 23, 0, 1, 2)),
    Category("perkosaan", _("Rape"), "crime", 9, 1, "285", "473", (20, 21, 22, 23, 0, 1)),
    Category("kdrt", _("Domestic violence (KDRT)"), "crime", 5, 1, "", "", (19, 20, 21, 22, 23)),
    Category("narkoba", _("Narcotics"), "crime", 4, 2, "", "", (20, 21, 22, 23, 0, 1, 2)),
    Category("judi", _("Gambling"), "crime", 2, 3, "303", "426", (19, 20, 21, 22, 23, 0)),
    Category(
        "tawuran", _("Brawl (tawuran)"), "disturbance", 5, 1, "170", "262", (15, 16, 17, 22, 23, 0, 1, 2, 3)
    ),
    Category("keributan", _("Disturbance / noise"), "disturbance", 1, 3, "", "", (19, 20, 21, 22, 23, 0)),
    Category("laka", _("Traffic accident"), "traffic", 3, 1, "", "", (6, 7, 8, 16, 17, 18, 19)),
    Category("kebakaran", _("Fire"), "fire", 5, 1, "187", "308", (10, 11, 12, 13, 14, 15)),
    Category("kemanusiaan", _("Humanitarian help"), "humanitarian", 2, 2, "", "", ()),
    Category("informasi", _("Information request"), "information", 0, 4, "", "", ()),
    Category("prank", _("Prank call"), "prank", 0, 4, "", "", ()),
)

BY_CODE = {c.code: c for c in CATEGORIES}
CATEGORY_CHOICES = [(c.code, c.label) for c in CATEGORIES]
CRIME_CODES = tuple(c.code for c in CATEGORIES if c.group == "crime")
