"""Full-text search through the database's own index: SQLite FTS5, PostgreSQL tsvector + GIN.

One index table per searchable kind (`fts_incident`), keyed by the record's id, holding its
words as one text: lower-cased, and every Chinese (CJK) character a word of its own. Neither
FTS5's tokenizers nor PostgreSQL's parsers split Chinese into words (unicode61 takes a run of
Chinese as one token; the trigram tokenizer needs three characters), so a two-character word such
as 漏水 is searched as the phrase "漏 水": the two characters next to each other. A reference
(INC-2026-000123) is the phrase "inc 2026 000123". English words are matched by their stem
(FTS5's porter tokenizer, PostgreSQL's english configuration): "leak" finds "leaking". Both
databases index and match the same words.

The index is kept in step with the records in the same transaction, by mapper events: a
record registered with `searchable(Model, table, fields)` is indexed when inserted or updated and
dropped when deleted, whichever service wrote it (an update only when a searched field
changed). Rows inserted in bulk (demo volumes) are
indexed with `index_rows`.
"""

import re
import unicodedata
from functools import cache

from flask import g
from sqlalchemy import (
    Integer,
    Text,
    column,
    event,
    false,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.operators import desc_op

from app.core.db import unindexed
from app.extensions import db

# Han (with extensions and compatibility), kana, hangul: each character is a word.
CJK = re.compile(r"[\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                 r"\uf900-\ufaff\U00020000-\U0002fa1f]")
WORD = re.compile(r"\w+")
MAX_QUERY_WORDS = 16
FEW = 1000  # matches a PostgreSQL search sorts, rather than walk the list's order

_TABLES: dict[type, tuple[str, object]] = {}


def include_name(name, type_, _parent_names) -> bool:
    """The index tables (and FTS5's own tables behind them) are made by migrations, outside
    the models: autogenerate and the models-and-migrations test leave them alone."""
    return not (type_ == "table" and (name or "").startswith("fts_"))


def words(text_: str) -> list[str]:
    """The words of a text as the index holds them."""
    text_ = unicodedata.normalize("NFKC", text_ or "").lower()
    return WORD.findall(CJK.sub(lambda m: f" {m.group(0)} ", text_))


def document(*parts: str) -> str:
    return " ".join(word for part in parts for word in words(part))


def _phrases(query: str) -> list[list[str]]:
    """Each whitespace-separated part of a query: the words that must stand together."""
    phrases, budget = [], MAX_QUERY_WORDS
    for part in (query or "").split():
        tokens = words(part)[:budget]
        budget -= len(tokens)
        if tokens:
            phrases.append(tokens)
    return phrases


def _fts5_query(phrases) -> str:
    # Tokens are \w+ only: quoting them needs no escaping.
    return " AND ".join(f'"{" ".join(tokens)}"' for tokens in phrases)


def _tsquery(phrases) -> str:
    return " & ".join("(" + " <-> ".join(tokens) + ")" for tokens in phrases)


def index_key(index_table: str):
    """The index's key column (the record's id), to join on."""
    name = "id" if db.engine.dialect.name == "postgresql" else "rowid"
    return _index(index_table, name).c[name]


def few_matches(index_table: str, query: str) -> bool:
    """PostgreSQL: whether `query` matches at most `few` records (counted through the GIN
    index, a few ms). Its planner cannot tell: it guesses 0.5 % of the rows for a word it has
    no statistics of, and then walks the list's order testing every row (200 ms at 200,000
    incidents for a word that matches nothing). Many matches: walking the list's order finds a
    page at once. Few: the list must sort them (`unindexed`)."""
    phrases, few = _phrases(query), FEW
    if not phrases:
        return True
    known = g.setdefault("few_matches", {})  # asked twice a page: counted once
    if (index_table, query) not in known:
        _plan_each_search_for_its_words()
        key = index_key(index_table)
        matching = select(key).where(_pg_match(key.table, phrases)).limit(few + 1).subquery()
        known[index_table, query] = db.session.scalar(
            select(func.count()).select_from(matching)) <= few
    return known[index_table, query]


def list_order(index_table: str, query: str, default: tuple) -> tuple[tuple, object]:
    """A list's keyset order and how to read a row's key (core.pagination.keyset_page):
    `default` (for example `(Incident.created_at.desc(), Incident.id.desc())`) unless the list
    is searched. Searched on SQLite: the newest match first, in the order FTS5 reads them (by
    id): FTS5 cannot tell the planner how many rows match, but reading in key order a page
    stops after a page of rows instead of sorting every match. On PostgreSQL with few
    matches: `default`, sorted (`few_matches`)."""
    if not query:
        return default, None
    if db.engine.dialect.name == "sqlite":
        return (index_key(index_table).desc(),), lambda row: (row.id,)
    if few_matches(index_table, query):
        first, rest = default[0], default[1:]
        sorted_first = unindexed(first.element)
        sorted_first = sorted_first.desc() if first.modifier is desc_op else sorted_first.asc()
        return (sorted_first, *rest), lambda row: tuple(
            getattr(row, clause.element.key) for clause in default)
    return default, None


@cache
def _index(index_table: str, key: str):
    # One object per table: the join and the order must name the same FROM.
    return table(index_table, column(key, Integer), column("body", Text),
                 column("words", Text))


def search_in(statement, key_column, index_table: str, query: str):
    """`statement` limited to the records whose text matches every part of `query` (a query
    of punctuation only matches nothing). SQLite, and PostgreSQL with few matches: joined to
    the index on `key_column`. PostgreSQL with many: `_walked_match`."""
    phrases = _phrases(query)
    if not phrases:
        return statement.where(false())
    key = index_key(index_table)
    if db.engine.dialect.name == "postgresql":
        if not few_matches(index_table, query):
            return statement.where(_walked_match(key, key_column, phrases))
        return statement.join(key.table, key == key_column).where(_pg_match(key.table, phrases))
    matches = key.table.c.body.op("MATCH")(_fts5_query(phrases))
    return statement.join(key.table, key == key_column).where(matches)


def _walked_match(key, key_column, phrases):
    """PostgreSQL, a query with many matches: each row of the list, read in the list's order,
    asks the index whether it matches (a subquery the planner cannot turn into a join), so a
    page stops after a page of matches. Joined, the planner would start from the text index
    whenever it underestimates the matches, and sort them all: it takes the characters of a
    Chinese word as independent (设备故障: 2 rows expected, 11,000 found; 180 ms). Counting
    (`counting_form`) reads it as a semi-join instead, which may start from the text index
    (8 ms against 37 ms walking 19,000 rows for the 1,001 the count needs)."""
    index = key.table
    own = select(_pg_match(index, phrases)).where(key == key_column).scalar_subquery()
    counted = select(literal_column("1")).where(key == key_column,
                                                _pg_match(index, phrases)).exists()
    return own._annotate({COUNTED_AS: counted})


COUNTED_AS = "fieldbook_counted_as"


def counting_form(statement):
    """`statement` with each search condition in the form that counts fastest (PostgreSQL's
    walked matches as a semi-join); unchanged when it has none."""
    return visitors.replacement_traverse(
        statement, {}, lambda element: element._annotations.get(COUNTED_AS)
        if hasattr(element, "_annotations") else None)


def _pg_match(index, phrases):
    return index.c.words.op("@@")(func.to_tsquery(literal_column("'english'"),
                                                  _tsquery(phrases)))


def _plan_each_search_for_its_words() -> None:
    """PostgreSQL, for the rest of this (read) transaction: once psycopg prepares a statement
    (its fifth run) the server may reuse a generic plan, made without the words, for every
    search; how rare the words are decides the right plan (150 ms instead of 2). And a
    random read priced as what it is for an index in memory (1.1, the usual advice for SSDs,
    against the default 4): priced at 4, probing the text index for each of 3,300 open
    incidents looked dearer than reading all 200,000 index rows (60 ms against 8)."""
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    db.session.execute(text("SET LOCAL random_page_cost = 1.1"))


# --- keeping the index in step ------------------------------------------------------------------

def searchable(model, index_table: str, fields: tuple[str, ...]) -> None:
    """Index `model`'s rows in `index_table` by the text of its `fields`."""
    _TABLES[model] = (index_table, fields)
    event.listen(model, "after_insert", _write)
    event.listen(model, "after_update", _write_if_changed)
    event.listen(model, "after_delete", _drop)


def _text_of(record, fields) -> str:
    get = record.get if isinstance(record, dict) else lambda name: getattr(record, name)
    return document(*(get(name) or "" for name in fields))


def _write(_mapper, connection, record) -> None:
    index_table, fields = _TABLES[type(record)]
    _put(connection, index_table, [(record.id, _text_of(record, fields))])


def _write_if_changed(mapper, connection, record) -> None:
    """Most changes (a status, a clock) touch no searched field: nothing to write then."""
    _index_table, fields = _TABLES[type(record)]
    state = inspect(record)
    if any(state.attrs[name].history.has_changes() for name in fields):
        _write(mapper, connection, record)


def _drop(_mapper, connection, record) -> None:
    index_table, _fields = _TABLES[type(record)]
    key = "id" if connection.dialect.name == "postgresql" else "rowid"
    connection.execute(text(f"DELETE FROM {index_table} WHERE {key} = :id"),  # noqa: S608
                       {"id": record.id})


def _put(connection, index_table: str, rows: list[tuple[int, str]]) -> None:
    params = [{"id": key, "body": body} for key, body in rows]
    if not params:
        return
    # Table names come from code (searchable), never from a request.
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            f"INSERT INTO {index_table} (id, body) VALUES (:id, :body) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body"), params)
        return
    connection.execute(text(f"DELETE FROM {index_table} WHERE rowid = :id"),  # noqa: S608
                       [{"id": p["id"]} for p in params])
    connection.execute(text(
        f"INSERT INTO {index_table} (rowid, body) VALUES (:id, :body)"), params)  # noqa: S608


def index_rows(model, rows) -> None:
    """Index records inserted without the ORM: `rows` are (id, dict of the row's columns)."""
    index_table, fields = _TABLES[model]
    _put(db.session.connection(), index_table,
         [(key, _text_of(row, fields)) for key, row in rows])
