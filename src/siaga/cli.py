"""The `siaga` console command: every subcommand is a Django management command.

siaga demo [--no-serve] [--seed N]     build the demo Polres and serve it
siaga run [--host H] [--port P]        serve whatever the data directory holds
siaga audit verify                     check the audit hash chain (non-zero exit on a break)
siaga territory import ...             import codes and boundaries
siaga <any Django command>             e.g. siaga migrate, siaga createsuperuser
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        return
    execute_from_command_line(["siaga", *args])


if __name__ == "__main__":
    main()
