"""Info work on the operations-room clock: published alerts past their expiry are recorded expired."""

from siaga.cad.ticker import job


@job("info_alert_expiry")
def alert_expiry() -> int:
    from .alerts import expire_due

    return expire_due()
