"""Full-text search over the library's articles: one function, `search(query, kind=None)`.

- SQLite: an FTS5 table `legal_article_fts` (external content over legal_article's `label` and `text`,
  kept in step by triggers; migration 0002), ranked by bm25 with the label weighted 4×, snippets by
  FTS5's `snippet()`. unicode61 does not stem Indonesian, so words match as prefixes ("pencuri"
  finds "pencurian").
- PostgreSQL: a GIN index over `setweight(to_tsvector(cfg, label), 'A') || setweight(to_tsvector(cfg,
  text), 'B')` with the 'indonesian' snowball configuration when the server has it ('simple'
  otherwise), ranked by ts_rank_cd, snippets by ts_headline.
- Anything else: a plain substring match, unranked.

User input never reaches either query language as syntax: it is cut into word tokens (letters and
digits only), each quoted (FTS5) or suffixed `:*` (tsquery). All words must match; when none of the
articles has all of them, any word may match. Snippets are HTML-escaped, then the match markers
(control characters stripped from stored text on import) become <mark>.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from .models import Article

START, STOP = "\x02", "\x03"
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TOKENS = 12
MAX_QUERY = 400
LIMIT = 50
FTS_TABLE = "legal_article_fts"

SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS legal_article_fts USING fts5(
        label, text, content='legal_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS legal_article_fts_ai AFTER INSERT ON legal_article BEGIN
        INSERT INTO legal_article_fts(rowid, label, text) VALUES (new.id, new.label, new.text); END""",
    """CREATE TRIGGER IF NOT EXISTS legal_article_fts_ad AFTER DELETE ON legal_article BEGIN
        INSERT INTO legal_article_fts(legal_article_fts, rowid, label, text)
        VALUES ('delete', old.id, old.label, old.text); END""",
    """CREATE TRIGGER IF NOT EXISTS legal_article_fts_au AFTER UPDATE ON legal_article BEGIN
        INSERT INTO legal_article_fts(legal_article_fts, rowid, label, text)
        VALUES ('delete', old.id, old.label, old.text);
        INSERT INTO legal_article_fts(rowid, label, text) VALUES (new.id, new.label, new.text); END""",
    "INSERT INTO legal_article_fts(legal_article_fts) VALUES ('rebuild')",
]
SQLITE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS legal_article_fts_ai",
    "DROP TRIGGER IF EXISTS legal_article_fts_ad",
    "DROP TRIGGER IF EXISTS legal_article_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def pg_config(cursor) -> str:
    """'indonesian' (snowball stemmer, PostgreSQL ≥ 12 builds) when present, else 'simple'."""
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'")
    return "indonesian" if cursor.fetchone() else "simple"


def pg_vector(cfg: str) -> str:
    assert cfg in ("indonesian", "simple")
    return (
        f"(setweight(to_tsvector('{cfg}'::regconfig, coalesce(label, '')), 'A') || "
        f"setweight(to_tsvector('{cfg}'::regconfig, coalesce(text, '')), 'B'))"
    )


def pg_setup(cursor) -> None:
    vec = pg_vector(pg_config(cursor))
    cursor.execute(f"CREATE INDEX IF NOT EXISTS legal_article_search ON legal_article USING GIN ({vec})")


@cache
def _pg_cfg() -> str:
    with connection.cursor() as c:
        return pg_config(c)


@dataclass
class Hit:
    article_id: int
    slug: str
    citation: str
    short_name: str
    number: str
    heading: str
    snippet: SafeString
    score: float
    is_summary: bool
    kind: str
    heading_html: SafeString = mark_safe("")  # noqa: RUF009 (an immutable str)

    @property
    def url(self) -> str:
        return f"/hukum/{self.slug}/pasal-{self.number.lower()}/"


def tokens(query: str) -> list[str]:
    """The query's words, lower case, letters and digits only, at most 12 of at most 40 characters."""
    words = TOKEN_RE.findall(str(query or "")[:MAX_QUERY].lower())
    out: list[str] = []
    for w in words:
        w = w[:40]
        if w not in out:
            out.append(w)
    return out[:MAX_TOKENS]


def highlight(text: str) -> SafeString:
    """Escape, then turn the engine's markers into <mark>; unbalanced markers are closed."""
    out, open_ = [], False
    for part in re.split(f"([{START}{STOP}])", str(text or "")):
        if part == START and not open_:
            out.append("<mark>")
            open_ = True
        elif part == STOP and open_:
            out.append("</mark>")
            open_ = False
        elif part not in (START, STOP):
            out.append(html.escape(part))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))


def search(query: str, kind: str | None = None, limit: int = LIMIT) -> list[Hit]:
    """Ranked articles matching `query` (all words, else any word), optionally of one kind."""
    words = tokens(query)
    if not words:
        return []
    limit = max(1, min(int(limit or LIMIT), 200))
    run = {"sqlite": _sqlite, "postgresql": _postgres}.get(connection.vendor, _fallback)
    hits = run(words, kind, limit, any_word=False)
    if not hits and len(words) > 1:
        hits = run(words, kind, limit, any_word=True)
    return hits


def mark_words(text: str, words: list[str]) -> SafeString:
    """Highlight the words (as prefixes, like the index matches them) in a short text."""
    if not words:
        return highlight(text)
    rx = re.compile(r"(?<!\w)((?:" + "|".join(re.escape(w) for w in words) + r")\w*)", re.IGNORECASE)
    return highlight(rx.sub(lambda m: f"{START}{m.group(1)}{STOP}", str(text or "")))


def _rows_to_hits(rows, words: list[str] | None = None) -> list[Hit]:
    ids = [r[0] for r in rows]
    arts = {a.pk: a for a in Article.objects.filter(pk__in=ids).select_related("regulation")}
    out = []
    for pk, score, snip in rows:
        a = arts.get(pk)
        if a is None:
            continue
        out.append(
            Hit(
                article_id=pk,
                slug=a.regulation.slug,
                citation=a.regulation.citation,
                short_name=a.regulation.short_name,
                number=a.number,
                heading=a.heading,
                snippet=highlight(snip),
                score=float(score or 0),
                is_summary=a.is_summary,
                kind=a.regulation.kind,
                heading_html=mark_words(a.heading, words or []),
            )
        )
    return out


def _sqlite(words: list[str], kind: str | None, limit: int, any_word: bool) -> list[Hit]:
    match = (" OR " if any_word else " ").join(f'"{w}"*' for w in words)
    sql = (
        "SELECT a.id, bm25(legal_article_fts, 4.0, 1.0) AS score, "
        "snippet(legal_article_fts, 1, char(2), char(3), '…', 24) "
        "FROM legal_article_fts JOIN legal_article a ON a.id = legal_article_fts.rowid "
        "JOIN legal_regulation r ON r.id = a.regulation_id "
        "WHERE legal_article_fts MATCH %s"
    )
    params: list = [match]
    if kind:
        sql += " AND r.kind = %s"
        params.append(kind)
    sql += " ORDER BY score LIMIT %s"
    params.append(limit)
    with connection.cursor() as c:
        c.execute(sql, params)
        rows = [(pk, -score, snip) for pk, score, snip in c.fetchall()]  # bm25: lower is better
    return _rows_to_hits(rows, words)


def _postgres(words: list[str], kind: str | None, limit: int, any_word: bool) -> list[Hit]:
    cfg = _pg_cfg()
    tsq = (" | " if any_word else " & ").join(f"{w}:*" for w in words)
    vec = pg_vector(cfg)
    sql = (
        f"SELECT a.id, ts_rank_cd({vec}, q.query) AS score, "  # noqa: S608 (constant identifiers)
        f"ts_headline('{cfg}'::regconfig, a.text, q.query, %s) "
        f"FROM legal_article a JOIN legal_regulation r ON r.id = a.regulation_id, "
        f"(SELECT to_tsquery('{cfg}'::regconfig, %s) AS query) q "
        f"WHERE {vec} @@ q.query"
    )
    opts = (
        f'StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
    )
    params: list = [opts, tsq]
    if kind:
        sql += " AND r.kind = %s"
        params.append(kind)
    sql += " ORDER BY score DESC, a.id LIMIT %s"
    params.append(limit)
    with connection.cursor() as c:
        c.execute(sql, params)
        rows = c.fetchall()
    return _rows_to_hits(rows, words)


def _fallback(words: list[str], kind: str | None, limit: int, any_word: bool) -> list[Hit]:
    from django.db.models import Q

    qs = Article.objects.all()
    conds = [Q(label__icontains=w) | Q(text__icontains=w) for w in words]
    q = conds[0]
    for c in conds[1:]:
        q = (q | c) if any_word else (q & c)
    qs = qs.filter(q)
    if kind:
        qs = qs.filter(regulation__kind=kind)
    return _rows_to_hits([(a.pk, 0.0, a.text[:200]) for a in qs[:limit]], words)
