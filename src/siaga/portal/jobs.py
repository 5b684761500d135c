"""Portal work on the operations-room clock (`siaga run` ticks every 2 s): escort countdowns that ran
out raise their SOS even when the page was closed, and stored SOS without an incident are retried."""

from siaga.cad.ticker import job


@job("portal_escort_deadlines")
def escort_deadlines() -> int:
    from .sos import fire_due_escorts

    return fire_due_escorts()


@job("portal_sos_retry")
def sos_retry() -> int:
    from .sos import retry_unlinked

    return retry_unlinked()
