"""Compile every locale/*.po (the project's and each app's) into .mo with polib, so no GNU gettext is
needed to build Siaga.

Run after editing translations: `python scripts/compile_messages.py`. (Extracting new strings with
`siaga makemessages -l id` does need gettext.)
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1] / "src" / "siaga"

for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(ROOT)}: {po.percent_translated()}% translated")
