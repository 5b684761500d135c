"""`siaga ingest …`: the device gateway's command line.

Subcommands live in a registry of modules: each provides `add_subcommands(subparsers)` (adds its
subparsers to `siaga ingest`) and `handle(opts, stdout=None, stderr=None) -> int` (runs the one named
by `opts.subcommand`, returns the exit code). This file registers its own `device` subcommand
(create | list | rotate | revoke | mqtt-password) and `prune` (ledger, reject counts) and, when the
module exists, siaga.ingest.mqtt_cli (`mqtt`: an ingest worker; `mosquitto-passwd`: the broker's
password and ACL files). A new module joins by being listed in PLUGINS.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

PLUGINS = ("siaga.ingest.mqtt_cli",)


def _plugins() -> list[Any]:
    found = []
    for name in PLUGINS:
        try:
            found.append(importlib.import_module(name))
        except ImportError:  # an optional part that is not installed
            continue
    return found


class Command(BaseCommand):
    help = (
        "Device gateway: `siaga ingest device create --polres BKS --kind tracker --ref trk-1 --name 'R4 01'`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        dev = sub.add_parser("device", help="register and manage devices")
        verbs = dev.add_subparsers(dest="verb", required=True)
        c = verbs.add_parser("create", help="register a device (its token is shown once)")
        c.add_argument("--polres", required=True, help="Polres code, e.g. BKS")
        c.add_argument("--name", required=True)
        c.add_argument("--kind", required=True, help="tracker | phone | panic_button | cctv | anpr")
        c.add_argument("--ref", required=True, help="OsmAnd id, OwnTracks user/device, or the generic id")
        c.add_argument("--unit", default=None, help="callsign of the unit it tracks")
        c.add_argument("--lat", type=float, default=None, help="where a fixed device stands")
        c.add_argument("--lon", type=float, default=None)
        ls = verbs.add_parser("list", help="devices, without secrets")
        ls.add_argument("--polres", default=None)
        r = verbs.add_parser("rotate", help="a new token (shown once); the old one stops at once")
        r.add_argument("device", help="id or ref")
        v = verbs.add_parser("revoke", help="deactivate: its messages are refused from now on")
        v.add_argument("device", help="id or ref")
        m = verbs.add_parser("mqtt-password", help="set MQTT username and password")
        m.add_argument("device", help="id or ref")
        m.add_argument("--username", required=True)
        m.add_argument("--password", required=True)
        sub.add_parser(
            "prune", help="drop dedupe-ledger rows and reject counts past keeping (the clock does it hourly)"
        )
        self._owners = {}
        for plugin in _plugins():
            before = set(sub.choices)
            plugin.add_subcommands(sub)
            self._owners.update({name: plugin for name in set(sub.choices) - before})

    def handle(self, *args, **opts):
        from argparse import Namespace

        name = opts["subcommand"]
        if name == "prune":
            from ...housekeeping import prune

            done = prune()
            self.stdout.write(
                f"Dropped {done['ledger']} ledger rows and {done['reject_counts']} reject counts."
            )
            return
        if name != "device":
            plugin = self._owners.get(name) or next(
                (p for p in _plugins() if name in getattr(p, "SUBCOMMANDS", ())), None
            )
            if plugin is None:
                raise CommandError(f"Unknown subcommand {name}.")
            code = plugin.handle(Namespace(**opts), stdout=self.stdout, stderr=self.stderr)
            if code:
                raise CommandError(f"{name} failed (exit {code}).", returncode=code)
            return
        self._device(opts)

    def _device(self, opts) -> None:
        from siaga.cad.models import Unit
        from siaga.core.context import acting
        from siaga.core.errors import ServiceError
        from siaga.territory.models import Polres

        from ... import devices
        from ...models import Device

        verb = opts["verb"]
        try:
            with acting(None, f"cli-ingest-{verb}"):
                if verb == "create":
                    polres = Polres.objects.filter(code=opts["polres"]).first()
                    if polres is None:
                        raise CommandError(f"No Polres with code {opts['polres']}.")
                    unit = None
                    if opts["unit"]:
                        unit = Unit.objects.filter(polres=polres, callsign=opts["unit"]).first()
                        if unit is None:
                            raise CommandError(f"No unit {opts['unit']} in {polres.code}.")
                    d, token = devices.register(
                        polres, name=opts["name"], kind=opts["kind"], ref=opts["ref"], unit=unit,
                        lat=opts["lat"], lon=opts["lon"],
                    )  # fmt: skip
                    self.stdout.write(f"Device {d.pk} ({d.ref}) in {polres.code}. Token, shown once:")
                    self.stdout.write(token)
                elif verb == "list":
                    qs = Device.objects.select_related("polres", "unit").order_by("polres__code", "name")
                    if opts["polres"]:
                        qs = qs.filter(polres__code=opts["polres"])
                    for d in qs:
                        seen = f"{d.last_seen:%Y-%m-%d %H:%M}" if d.last_seen else "never"
                        state = "active" if d.active else "revoked"
                        unit = d.unit.callsign if d.unit_id else "-"
                        self.stdout.write(
                            f"{d.pk}\t{d.ref}\t{d.kind}\t{d.polres.code}\t{unit}\t{d.name}\t{state}"
                            f"\tseen {seen}\taccepted {d.accepted_count} rejected {d.rejected_count}"
                        )
                elif verb == "rotate":
                    d, token = devices.rotate_token(opts["device"])
                    self.stdout.write(f"New token for device {d.pk} ({d.ref}), shown once:")
                    self.stdout.write(token)
                elif verb == "revoke":
                    d = devices.deactivate(opts["device"])
                    self.stdout.write(f"Deactivated device {d.pk} ({d.ref}).")
                else:
                    d = devices.set_mqtt_password(opts["device"], opts["username"], opts["password"])
                    self.stdout.write(f"MQTT credentials set for device {d.pk} ({d.ref}).")
        except ServiceError as e:
            raise CommandError(e.message) from e
