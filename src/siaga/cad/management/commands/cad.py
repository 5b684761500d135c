"""`siaga cad telephony-token create|list|revoke`: tokens of the telephony systems (cad.telephony)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Operations-room administration. `siaga cad telephony-token create --polres CODE --name NAME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tok = sub.add_parser("telephony-token", help="bearer tokens with which a PBX signals ringing calls")
        verbs = tok.add_subparsers(dest="verb", required=True)
        c = verbs.add_parser("create", help="make a token (shown once)")
        c.add_argument("--polres", required=True, help="Polres code, e.g. BKS")
        c.add_argument("--name", required=True, help="what the token is for, e.g. 'PBX SPKT'")
        verbs.add_parser("list", help="tokens, without their secrets")
        r = verbs.add_parser("revoke", help="stop a token at once")
        r.add_argument("token", help="the token's id or prefix (from `list`)")

    def handle(self, *args, action, verb, **opts):
        from siaga.core.errors import ServiceError
        from siaga.territory.models import Polres

        from ... import telephony
        from ...models import TelephonyToken

        try:
            if verb == "create":
                polres = Polres.objects.filter(code=opts["polres"]).first()
                if polres is None:
                    raise CommandError(f"No Polres with code {opts['polres']}.")
                token, secret = telephony.create_token(polres, opts["name"])
                self.stdout.write(f"Token {token.pk} for {polres.name} ({token.name}). Shown once:")
                self.stdout.write(secret)
                self.stdout.write("Send it as the header  Authorization: Bearer <token>")
            elif verb == "list":
                for t in TelephonyToken.objects.select_related("polres").order_by("pk"):
                    state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                    used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                    self.stdout.write(f"{t.pk}\t{t.prefix}…\t{t.polres.code}\t{t.name}\t{state}\tused {used}")
            else:
                t = telephony.revoke(opts["token"])
                self.stdout.write(f"Revoked token {t.pk} ({t.name}).")
        except ServiceError as e:
            raise CommandError(e.message) from e
