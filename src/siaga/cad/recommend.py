"""Rank available units for an incident: travel time first, then capability, jurisdiction and load.

The ranking is a score in seconds, so every term reads as "worth this many seconds of driving":
    score = ETA + jurisdiction penalty + load penalty - capability bonus
and each recommended unit carries the reasons that made its score, for the dispatcher to see.
Vectorised over units with numpy; reason strings are built for the shortlist only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from .routing import CircuityEstimator, TravelTimeEstimator

# capabilities that make a unit the better first choice for a category
CATEGORY_NEEDS: dict[str, frozenset[str]] = {
    "laka": frozenset({"lantas"}),
    "tawuran": frozenset({"dalmas", "riot"}),
    "narkoba": frozenset({"narkoba"}),
    "curas": frozenset({"jatanras"}),
    "pembunuhan": frozenset({"reskrim", "jatanras"}),
    "kemanusiaan": frozenset({"medic"}),
}


@dataclass(frozen=True)
class Weights:
    capability_bonus_s: float = 120.0
    other_polsek_s: float = 90.0  # crossing into another Polsek's area (waived for P1)
    load_per_job_s: float = 60.0  # each job already handled this shift


@dataclass
class Candidates:
    """Columns of available units (equal-length arrays)."""

    ids: np.ndarray
    callsigns: np.ndarray
    kinds: np.ndarray
    polsek_ids: np.ndarray  # 0 for Polres-level units, which roam the whole Polres
    lons: np.ndarray
    lats: np.ndarray
    capabilities: list[frozenset[str]]
    loads: np.ndarray  # jobs this shift

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Recommendation:
    unit_id: int
    callsign: str
    kind: str
    rank: int
    score_s: float
    eta_s: float
    distance_m: float
    reasons: list[str] = field(default_factory=list)


def rank(
    units: Candidates,
    *,
    lon: float,
    lat: float,
    category: str,
    priority: int,
    polsek_id: int | None,
    hour: int,
    limit: int = 5,
    estimator: TravelTimeEstimator | None = None,
    weights: Weights = Weights(),
) -> list[Recommendation]:
    if len(units) == 0:
        return []
    est = (estimator or CircuityEstimator()).estimate(units.lons, units.lats, units.kinds, lon, lat, hour)
    needs = CATEGORY_NEEDS.get(category, frozenset())
    has_need = (
        np.fromiter((bool(needs & caps) for caps in units.capabilities), bool, len(units)) if needs else None
    )
    other_polsek = (units.polsek_ids != 0) & (units.polsek_ids != (polsek_id or 0)) if polsek_id else None

    score = est.eta_s.copy()
    if has_need is not None:
        score -= has_need * weights.capability_bonus_s
    if other_polsek is not None and priority != 1:
        score += other_polsek * weights.other_polsek_s
    score += units.loads * weights.load_per_job_s

    k = min(limit, len(units))
    top = np.argpartition(score, k - 1)[:k] if k < len(units) else np.arange(len(units))
    top = top[np.lexsort((units.ids[top], score[top]))]  # ties broken by id: stable, repeatable
    out = []
    for r, i in enumerate(top, start=1):
        reasons = [
            _("%(km).1f km, about %(min).0f min by %(kind)s")
            % {"km": est.distance_m[i] / 1000, "min": est.eta_s[i] / 60, "kind": units.kinds[i].upper()}
        ]
        if has_need is not None:
            reasons.append(
                _("has %(caps)s") % {"caps": ", ".join(sorted(needs & units.capabilities[i]))}
                if has_need[i]
                else _("lacks %(caps)s") % {"caps": "/".join(sorted(needs))}
            )
        if other_polsek is not None and other_polsek[i]:
            reasons.append(_("from another Polsek") + (_(" (waived for P1)") if priority == 1 else ""))
        elif polsek_id and units.polsek_ids[i] == polsek_id:
            reasons.append(_("same Polsek"))
        if units.loads[i]:
            reasons.append(_("%(n)d job(s) this shift") % {"n": units.loads[i]})
        out.append(
            Recommendation(
                unit_id=int(units.ids[i]),
                callsign=str(units.callsigns[i]),
                kind=str(units.kinds[i]),
                rank=r,
                score_s=float(score[i]),
                eta_s=float(est.eta_s[i]),
                distance_m=float(est.distance_m[i]),
                reasons=reasons,
            )
        )
    return out
