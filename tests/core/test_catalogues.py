"""Indonesian is the site's first language: every catalogue is complete, and its compiled .mo says what
the .po says (a .po edited without running scripts/compile_messages.py would ship stale text)."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "siaga"
CATALOGUES = sorted(ROOT.glob("**/locale/id/LC_MESSAGES/django.po"))


def test_every_app_with_pages_has_a_catalogue():
    assert len(CATALOGUES) >= 8


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not missing, f"untranslated in {po_path.name}: {missing[:5]}"
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    for e in po.translated_entries():
        if e.msgid_plural:
            continue
        assert compiled.get((e.msgctxt, e.msgid)) == e.msgstr, f"{e.msgid!r}: run scripts/compile_messages.py"
