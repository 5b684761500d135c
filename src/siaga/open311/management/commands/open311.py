"""`siaga open311 key create|revoke|list`: API keys of third-party Open311 apps (shell access = the
installation's administrator). The key is printed once, at creation; only its hash is stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from siaga.core.context import acting
from siaga.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Open311 API keys: `siaga open311 key create --name APP --contact WHO [--polres CODE]`,"
        " `key list`, `key revoke ID`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="API keys of third-party apps")
        ks = key.add_subparsers(dest="action", required=True)
        c = ks.add_parser("create", help="make a key and print it once")
        c.add_argument("--name", required=True, help="the third-party app")
        c.add_argument("--contact", required=True, help="the app owner's e-mail or phone")
        c.add_argument("--polres", default="", help="Polres code (default: the only or first Polres)")
        c.add_argument("--rate", type=int, default=120, help="POSTs per hour (default 120)")
        r = ks.add_parser("revoke", help="revoke a key for good")
        r.add_argument("id", type=int)
        r.add_argument("--reason", default="")
        ks.add_parser("list", help="list the keys (never the keys themselves)")

    def handle(self, *args, what, action, **opts):
        from siaga.territory.models import Polres

        from ... import keys
        from ...models import ApiKey

        try:
            with acting(None, "open311-cli"):
                if action == "create":
                    code = opts["polres"]
                    polres = (
                        Polres.objects.filter(code=code).first()
                        if code
                        else Polres.objects.order_by("pk").first()
                    )
                    if polres is None:
                        raise CommandError("No such Polres." if code else "No Polres is set up yet.")
                    k, clear = keys.create_key(
                        None,
                        name=opts["name"],
                        contact=opts["contact"],
                        polres=polres,
                        rate_per_hour=opts["rate"],
                    )
                    self.stdout.write(f"Key {k.pk} for {k.name} ({polres.code}), {k.rate_per_hour} POST/h.")
                    self.stdout.write(
                        "Give it to the app owner now; it is not stored and cannot be shown again:"
                    )
                    self.stdout.write(clear)
                elif action == "revoke":
                    k = keys.revoke_key(None, opts["id"], reason=opts["reason"])
                    self.stdout.write(f"Key {k.pk} ({k.name}) revoked at {k.revoked_at:%Y-%m-%d %H:%M}.")
                else:
                    for k in ApiKey.objects.select_related("polres").order_by("pk"):
                        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
                        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
                        self.stdout.write(
                            f"{k.pk:>4}  {k.prefix}…  {k.name}  <{k.contact}>  {k.polres.code}  {state}"
                            f"  last used {used}"
                        )
        except ServiceError as e:
            raise CommandError(e.message) from e
