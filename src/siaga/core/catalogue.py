"""Fill an app's Indonesian catalogue from its translations table and compile it, with polib (no GNU
gettext needed to build). Each app's `locale/translate_id.py` holds the table and calls `fill`."""

from __future__ import annotations

from pathlib import Path


def fill(
    locale_dir: Path,
    singular: dict[str, str],
    plural: dict[str, str | list[str]] | None = None,
    *,
    add_unextracted: bool = False,
) -> list[str]:
    """Write `singular` / `plural` msgstrs into locale_dir/id/LC_MESSAGES/django.po, clear fuzzy flags,
    compile the .mo. `add_unextracted`: also add table entries the extractor did not find (strings marked
    with gettext_noop under another name). Returns the msgids still untranslated."""
    import polib

    plural = plural or {}
    po_path = Path(locale_dir) / "id" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    if add_unextracted:
        for msgid in singular.keys() - {e.msgid for e in po}:
            po.append(polib.POEntry(msgid=msgid, msgstr=""))
    missing = []
    for e in po:
        if e.obsolete and e.msgid in singular:
            e.obsolete = False
        if e.msgid_plural and e.msgid in plural:
            forms = plural[e.msgid]
            e.msgstr_plural = {0: forms} if isinstance(forms, str) else dict(enumerate(forms))
        elif e.msgid in singular:
            e.msgstr = singular[e.msgid]
        elif not (e.msgstr or e.msgstr_plural.get(0)):
            missing.append(e.msgid)
            continue
        if "fuzzy" in e.flags:
            e.flags.remove("fuzzy")
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Language"] = "id"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.save()
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path}: {po.percent_translated()}% translated; missing: {missing}")
    return missing
