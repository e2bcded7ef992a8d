"""The one query engine of the collection API: Payload's query parameters -> a validated filter tree
-> a SQLAlchemy where clause over a collection's allow-listed fields, plus sort, paging, depth, select
and populate, with Payload's semantics for every operator (see OP_HELP).

    where[title][like]=summer sale       where[or][0][slug][equals]=a&where[or][1][slug][equals]=b
    where[tags][all]=news,tips           where[and][0][publishedAt][greater_than_equal]=2026-01-01
    where[tenant.slug][equals]=acme      (a relation's field: documents whose related one matches)
    sort=-publishedAt,title   limit=10 (0..100; 0 = all)   page=1   depth=0 (0..2)   pagination=false
    select[title]=true        populate[media][url]=true

Every name and operator is checked against the collection's declaration; anything else is a 400
problem carrying the allowed list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, true
from sqlalchemy.sql.elements import UnaryExpression

from api.errors import BadRequest
from api.search import LIKE_ESCAPE, contains_pattern

Doc = dict[str, Any]


class Kind(StrEnum):
    text = "text"
    number = "number"
    datetime = "datetime"
    boolean = "boolean"
    array = "array"  # a PostgreSQL text array (tags, vendor ids)


class Op(StrEnum):
    equals = "equals"
    not_equals = "not_equals"
    greater_than = "greater_than"
    greater_than_equal = "greater_than_equal"
    less_than = "less_than"
    less_than_equal = "less_than_equal"
    like = "like"
    not_like = "not_like"
    contains = "contains"
    in_ = "in"
    not_in = "not_in"
    all_ = "all"
    exists = "exists"
    near = "near"
    within = "within"
    intersects = "intersects"


_EQUALITY = frozenset({Op.equals, Op.not_equals, Op.in_, Op.not_in, Op.all_, Op.exists})
_ORDERED = frozenset({Op.greater_than, Op.greater_than_equal, Op.less_than, Op.less_than_equal})
_TEXTUAL = frozenset({Op.like, Op.not_like, Op.contains})
_LISTS = frozenset({Op.in_, Op.not_in, Op.all_})
# Point-field operators: Payload's, but no collection here has a point field.
GEO_OPS = frozenset({Op.near, Op.within, Op.intersects})
OPS_BY_KIND: dict[Kind, frozenset[Op]] = {
    Kind.text: _EQUALITY | _ORDERED | _TEXTUAL,
    Kind.number: _EQUALITY | _ORDERED,
    Kind.datetime: _EQUALITY | _ORDERED,
    Kind.boolean: frozenset({Op.equals, Op.not_equals, Op.exists}),
    Kind.array: _EQUALITY | {Op.contains},
}
# What each operator means, for the OpenAPI description and the README.
OP_HELP: dict[Op, str] = {
    Op.equals: "exactly equal (on an array field: the array holds the value)",
    Op.not_equals: "not equal, or no value (on an array field: the array does not hold it)",
    Op.greater_than: "greater than (numbers, dates, text)",
    Op.greater_than_equal: "greater than or equal (numbers, dates, text)",
    Op.less_than: "less than (numbers, dates, text)",
    Op.less_than_equal: "less than or equal (numbers, dates, text)",
    Op.like: "case-insensitive; every word of the value is present, in any order",
    Op.not_like: "case-insensitive; the value (as a whole) is not present, or no value",
    Op.contains: "case-insensitive substring (on an array field: the array holds the value)",
    Op.in_: "one of a comma-separated list (on an array field: holds at least one of them)",
    Op.not_in: "none of a comma-separated list, or no value",
    Op.all_: "holds every value of a comma-separated list (array fields; on a scalar, equal to all)",
    Op.exists: "`true`: has a value (an array: non-empty); `false`: has none",
    Op.near: "point fields only: none here, so always a 400",
    Op.within: "point fields only: none here, so always a 400",
    Op.intersects: "point fields only: none here, so always a 400",
}

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# `limit=0` and `pagination=false` ask for every matching document: at most this many (a 400 beyond).
MAX_UNPAGED = 1000
MAX_PAGE = 10_000
MAX_DEPTH = 2
MAX_CONDITIONS = 20
MAX_NESTING = 4
MAX_IN_VALUES = 100
MAX_LIKE_WORDS = 10
MAX_VALUE_LENGTH = 500
MAX_SORT_FIELDS = 5
MAX_SELECT_KEYS = 50
MAX_SELECT_DEPTH = 3
LIST_PARAMS = ("sort", "limit", "page", "depth", "pagination")
DOC_PARAMS = ("depth",)
_TREE_PARAMS = ("where", "select", "populate")

_BRACKETED = re.compile(r"^(where|select|populate)((?:\[[^\[\]]{0,100}\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^-?\d{1,18}$")
_SELECT_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Field:
    """A queryable, sortable field: the API name maps to one column of the collection's table."""

    column: Any
    kind: Kind = Kind.text
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Related:
    """The collection a relation field points at, for dotted filters (`where[tenant.slug][equals]=x`):
    its fields, its id column and the rows this reader may see of it."""

    fields: dict[str, Field]
    id_column: Any
    readable: ColumnElement[bool]


RelatedLookup = Callable[[str], Related | None]


@dataclass(frozen=True)
class Selection:
    """Payload's `select`: `include` keeps only the named keys (and `id`), else drops them. A nested
    selection applies to an object (or a list of objects) under its key."""

    tree: dict[str, Any]
    include: bool

    def apply(self, doc: Doc) -> Doc:
        return _project(doc, self.tree, self.include, top=True)


@dataclass(frozen=True)
class ListQuery:
    where: ColumnElement[bool]
    order_by: list[UnaryExpression[Any]]
    limit: int  # 0: no limit (at most MAX_UNPAGED)
    page: int
    depth: int
    paginate: bool = True
    select: Selection | None = None
    populate: dict[str, Selection] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class DocQuery:
    depth: int
    select: Selection | None = None
    populate: dict[str, Selection] = dataclass_field(default_factory=dict)


def _bad(detail: str, **extra: Any) -> BadRequest:
    return BadRequest(detail, **extra)


# --- parsing the bracketed parameters into a tree -------------------------------------------------


def bracket_tree(items: list[tuple[str, str]], param: str = "where") -> dict[str, Any]:
    """`where[a][b]=v` pairs -> {"a": {"b": "v"}}; `[]` appends (as `where[f][in][]=x`). The same for
    `select[...]` and `populate[...]`."""
    tree: dict[str, Any] = {}
    for key, value in items:
        match = _BRACKETED.match(key)
        if match is None or match.group(1) != param:
            raise _bad(f"Malformed parameter '{key[:120]}': use {param}[field]...=value.")
        if len(value) > MAX_VALUE_LENGTH * 4:
            raise _bad(f"The value of '{key[:120]}' is too long.")
        segments = _SEGMENT.findall(match.group(2))
        if len(segments) > 2 * MAX_NESTING + 3:
            raise _bad(f"'{param}' is nested too deeply.")
        node = tree
        for segment in segments[:-1]:
            child = node.setdefault(segment or str(len(node)), {})
            if not isinstance(child, dict):
                raise _bad(f"'{key[:120]}' conflicts with another {param} parameter.")
            node = child
        last = segments[-1] or str(len(node))
        if last in node:
            raise _bad(f"'{key[:120]}' is given twice or conflicts with another {param} parameter.")
        node[last] = value
    return tree


def where_tree(items: list[tuple[str, str]]) -> dict[str, Any]:
    return bracket_tree(items, "where")


# --- the tree into a where clause ---------------------------------------------------------------


class _Builder:
    def __init__(self, fields: dict[str, Field], related: RelatedLookup | None = None) -> None:
        self.fields = fields
        self.related = related
        self.conditions = 0

    def group(self, node: Any, nesting: int) -> ColumnElement[bool]:
        if not isinstance(node, dict) or not node:
            raise _bad("Each filter group needs at least one where[field][operator]=value.")
        if nesting > MAX_NESTING:
            raise _bad(f"and/or groups nest at most {MAX_NESTING} deep.")
        clauses: list[ColumnElement[bool]] = []
        for key, value in node.items():
            if key.lower() in ("and", "or"):
                key = key.lower()
                if not isinstance(value, dict) or not value or not all(_is_index(k) for k in value):
                    raise _bad(f"Use where[{key}][0][field][operator]=value for an '{key}' group.")
                children = [self.group(value[k], nesting + 1) for k in sorted(value, key=int)]
                clauses.append(or_(*children) if key == "or" else and_(*children))
            elif "." in key:
                clauses.append(self.through(key, value))
            else:
                clauses.extend(self.field(key, value))
        return and_(*clauses)

    def through(self, path: str, operators: Any) -> ColumnElement[bool]:
        """`relation.field`: the documents whose related document (one this reader may see) matches."""
        head, _, rest = path.partition(".")
        local = self.fields.get(head)
        target = self.related(head) if self.related is not None and local is not None else None
        if local is None or target is None or "." in rest:
            raise _bad(
                f"'{path[:100]}' is not a queryable path: use relation.field, one level deep.",
                allowed_fields=sorted(self.fields),
            )
        inner = _Builder(target.fields)
        inner.conditions = self.conditions
        clauses = inner.field(rest, operators)
        self.conditions = inner.conditions
        matching = select(target.id_column).where(target.readable, *clauses).correlate(None)
        return cast(ColumnElement[bool], local.column.in_(matching))

    def field(self, name: str, operators: Any) -> list[ColumnElement[bool]]:
        field = self.fields.get(name)
        if field is None:
            raise _bad(f"'{name[:100]}' is not a queryable field.", allowed_fields=sorted(self.fields))
        if not isinstance(operators, dict) or not operators:
            allowed = sorted(OPS_BY_KIND[field.kind])
            raise _bad(f"Name an operator: where[{name}][equals]=...", allowed_operators=allowed)
        return [self.condition(name, field, op, raw) for op, raw in operators.items()]

    def condition(self, name: str, field: Field, op_name: str, raw: Any) -> ColumnElement[bool]:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise _bad(f"At most {MAX_CONDITIONS} conditions per query.")
        allowed = sorted(OPS_BY_KIND[field.kind])
        if op_name not in allowed:
            known = op_name in {op.value for op in Op}
            if op_name in GEO_OPS:
                detail = (f"'{op_name}' applies to point fields only, and '{name}' is a {field.kind.value} "
                          f"field; it supports: {', '.join(allowed)}.")
            elif known:
                detail = (f"'{op_name}' does not apply to the {field.kind.value} field '{name}'; "
                          f"it supports: {', '.join(allowed)}.")
            else:
                detail = f"'{op_name[:100]}' is not a filter operator."
            raise _bad(detail, field=name, allowed_operators=allowed)
        op = Op(op_name)
        column = field.column
        if op is Op.exists:
            present = _boolean(name, _scalar(name, raw))
            if field.kind is Kind.array:
                size = func.coalesce(func.cardinality(column), 0)
                return size > 0 if present else size == 0
            return column.is_not(None) if present else column.is_(None)
        if op in _LISTS:
            values = [_coerce(name, field, v) for v in _values(name, op, raw)]
            return _list_condition(op, field, column, values)
        text = _scalar(name, raw)
        if op in _TEXTUAL and field.kind is not Kind.array:
            return _text_condition(name, op, column, text)
        value = _coerce(name, field, text)
        if field.kind is Kind.array:
            holds = column.contains([value])
            return or_(column.is_(None), not_(holds)) if op is Op.not_equals else holds
        if op is Op.equals:
            return column == value
        if op is Op.not_equals:
            return column.is_distinct_from(value)
        if op is Op.greater_than:
            return column > value
        if op is Op.greater_than_equal:
            return column >= value
        if op is Op.less_than:
            return column < value
        return column <= value


def _text_condition(name: str, op: Op, column: Any, text: str) -> ColumnElement[bool]:
    if op is Op.like:
        words = text.split()
        if not words or len(words) > MAX_LIKE_WORDS:
            raise _bad(f"'like' on '{name}' takes 1 to {MAX_LIKE_WORDS} words.")
        return and_(*(column.ilike(contains_pattern(word), escape=LIKE_ESCAPE) for word in words))
    if not text:
        raise _bad(f"'{op.value}' on '{name}' needs a value.")
    matches = column.ilike(contains_pattern(text), escape=LIKE_ESCAPE)
    return matches if op is Op.contains else or_(column.is_(None), not_(matches))


def _list_condition(op: Op, field: Field, column: Any, values: list[Any]) -> ColumnElement[bool]:
    if field.kind is Kind.array:
        if op is Op.in_:
            return cast(ColumnElement[bool], column.overlap(values))
        if op is Op.not_in:
            return or_(column.is_(None), not_(column.overlap(values)))
        return cast(ColumnElement[bool], column.contains(values))
    if op is Op.in_:
        return cast(ColumnElement[bool], column.in_(values))
    if op is Op.not_in:
        return or_(column.is_(None), column.not_in(values))
    return and_(*(column == value for value in values))


def _is_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) <= 4


def _scalar(name: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _bad(f"The filter on '{name}' expects a single value here.")
    if len(raw) > MAX_VALUE_LENGTH:
        raise _bad(f"The filter value for '{name}' is longer than {MAX_VALUE_LENGTH} characters.")
    return raw


def _values(name: str, op: Op, raw: Any) -> list[str]:
    if isinstance(raw, str):
        values = [v for v in raw.split(",") if v != ""]
    elif isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
        values = list(raw.values())
    else:
        raise _bad(f"'{op.value}' on '{name}' expects a comma-separated list or where[{name}][{op.value}][]=... "
                   "values.")
    if not 1 <= len(values) <= MAX_IN_VALUES:
        raise _bad(f"'{op.value}' on '{name}' takes 1 to {MAX_IN_VALUES} values.")
    return [_scalar(name, v) for v in values]


def _boolean(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _bad(f"'{name}' expects true or false, not '{raw[:50]}'.")


def _coerce(name: str, field: Field, raw: str) -> Any:
    if field.kind is Kind.number:
        if not _INTEGER.match(raw):
            raise _bad(f"'{name}' is a number; '{raw[:50]}' is not.")
        return int(raw)
    if field.kind is Kind.datetime:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise _bad(f"'{name}' is a date-time; '{raw[:50]}' is not ISO 8601.") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if field.kind is Kind.boolean:
        return _boolean(name, raw)
    if field.choices is not None and raw not in field.choices:
        raise _bad(f"'{raw[:50]}' is not a value of '{name}'.", allowed_values=list(field.choices))
    return raw


def build_where(
    tree: dict[str, Any], fields: dict[str, Field], related: RelatedLookup | None = None
) -> ColumnElement[bool]:
    return _Builder(fields, related).group(tree, 0) if tree else true()


# --- select and populate ---------------------------------------------------------------------------


def _selection_tree(node: dict[str, Any], depth: int, leaves: list[bool]) -> dict[str, Any]:
    if depth > MAX_SELECT_DEPTH:
        raise _bad(f"select nests at most {MAX_SELECT_DEPTH} deep.")
    tree: dict[str, Any] = {}
    for key, value in node.items():
        if not _SELECT_KEY.match(key):
            raise _bad(f"'{key[:100]}' is not a field name to select.")
        if isinstance(value, dict):
            tree[key] = _selection_tree(value, depth + 1, leaves)
        else:
            leaves.append(_boolean(f"select[{key}]", value))
            tree[key] = leaves[-1]
    return tree


def parse_selection(node: Any) -> Selection | None:
    """`select[title]=true&select[seo][title]=true` (include mode) or `select[blocks]=false` (exclude
    mode); mixing the two is a 400, as in Payload."""
    if not node:
        return None
    if not isinstance(node, dict):
        raise _bad("Use select[field]=true (only these fields) or select[field]=false (all but these).")
    leaves: list[bool] = []
    tree = _selection_tree(node, 1, leaves)
    if len(leaves) > MAX_SELECT_KEYS:
        raise _bad(f"select names at most {MAX_SELECT_KEYS} fields.")
    if len(set(leaves)) > 1:
        raise _bad("select is either all `true` (only these fields) or all `false` (all but these).")
    return Selection(tree, include=leaves[0])


def _project(value: Any, tree: dict[str, Any], include: bool, top: bool = False) -> Any:
    if isinstance(value, list):
        return [_project(item, tree, include) for item in value]
    if not isinstance(value, dict):
        return value
    if include:
        kept = {k: v for k, v in value.items() if k in tree or (top and k == "id")}
    else:
        kept = {k: v for k, v in value.items() if tree.get(k) is not False}
    return {k: _project(v, tree[k], include) if isinstance(tree.get(k), dict) else v for k, v in kept.items()}


def parse_populate(node: Any, collections: tuple[str, ...]) -> dict[str, Selection]:
    """`populate[media][url]=true`: the fields of the expanded documents of one collection (Payload's
    override of `defaultPopulate`), by collection slug."""
    if not node:
        return {}
    if not isinstance(node, dict):
        raise _bad("Use populate[collection][field]=true.", allowed_collections=list(collections))
    chosen: dict[str, Selection] = {}
    for slug, sub in node.items():
        if slug not in collections:
            raise _bad(f"'{slug[:100]}' is not a collection to populate.", allowed_collections=list(collections))
        selection = parse_selection(sub)
        if selection is None or not isinstance(sub, dict):
            raise _bad(f"Use populate[{slug}][field]=true.")
        chosen[slug] = selection
    return chosen


# --- sort, paging, depth ---------------------------------------------------------------------------


def build_order(raw: str, fields: dict[str, Field], id_column: Any) -> list[UnaryExpression[Any]]:
    sortable = sorted(name for name, f in fields.items() if f.kind is not Kind.array)
    names = [part.strip() for part in raw.split(",") if part.strip()]
    if not names or len(names) > MAX_SORT_FIELDS:
        raise _bad(f"sort takes 1 to {MAX_SORT_FIELDS} comma-separated fields.", allowed_fields=sortable)
    order: list[UnaryExpression[Any]] = []
    for name in names:
        descending = name.startswith("-")
        bare = name.removeprefix("-")
        if bare not in sortable:
            raise _bad(f"Cannot sort by '{bare[:100]}'.", allowed_fields=sortable)
        column = fields[bare].column
        order.append(column.desc().nulls_last() if descending else column.asc().nulls_last())
    order.append(id_column.asc())
    return order


def _integer(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
        raise _bad(f"'{name}' must be an integer from {low} to {high}.")
    return int(raw)


def _split(
    items: list[tuple[str, str]], allowed: tuple[str, ...], trees: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The plain parameters (each at most once, each allowed) and the bracketed trees."""
    found: dict[str, str] = {}
    bracketed: dict[str, list[tuple[str, str]]] = {}
    for key, value in items:
        tree_name = next((t for t in trees if key == t or key.startswith(t + "[")), None)
        if tree_name is not None:
            bracketed.setdefault(tree_name, []).append((key, value))
            continue
        if key not in allowed:
            raise _bad(f"Unknown query parameter '{key[:100]}'.",
                       allowed_parameters=[*allowed, *(f"{t}[...]" for t in trees)])
        if key in found:
            raise _bad(f"'{key}' is given more than once.")
        found[key] = value
    return found, {name: bracket_tree(pairs, name) for name, pairs in bracketed.items()}


def parse_list(
    items: list[tuple[str, str]],
    fields: dict[str, Field],
    id_column: Any,
    default_sort: str,
    shortcuts: dict[str, str] | None = None,
    *,
    related: RelatedLookup | None = None,
    collections: tuple[str, ...] = (),
) -> ListQuery:
    """Everything a list request says, validated. `shortcuts` maps extra parameters to an `equals`
    filter on a field (`?tag=x` = `where[tags][equals]=x`)."""
    shortcuts = shortcuts or {}
    others, trees = _split(items, (*LIST_PARAMS, *shortcuts), _TREE_PARAMS)
    tree = trees.get("where", {})
    extra = [{name: {"equals": others[param]}} for param, name in shortcuts.items() if param in others]
    if extra:
        tree = {"and": {str(i): node for i, node in enumerate([*([tree] if tree else []), *extra])}}
    pagination = others.get("pagination", "true")
    if pagination not in ("true", "false"):
        raise _bad("'pagination' is true or false.")
    limit = _integer("limit", others.get("limit"), DEFAULT_LIMIT, 0, MAX_LIMIT)
    return ListQuery(
        where=build_where(tree, fields, related),
        order_by=build_order(others.get("sort", default_sort), fields, id_column),
        limit=limit,
        page=_integer("page", others.get("page"), 1, 1, MAX_PAGE),
        depth=_integer("depth", others.get("depth"), 0, 0, MAX_DEPTH),
        paginate=pagination == "true" and limit != 0,
        select=parse_selection(trees.get("select")),
        populate=parse_populate(trees.get("populate"), collections),
    )


def parse_count(
    items: list[tuple[str, str]], fields: dict[str, Field], related: RelatedLookup | None = None
) -> ColumnElement[bool]:
    """`GET /api/{collection}/count`: only a `where`."""
    _, trees = _split(items, (), ("where",))
    return build_where(trees.get("where", {}), fields, related)


def parse_doc(items: list[tuple[str, str]], collections: tuple[str, ...] = ()) -> DocQuery:
    others, trees = _split(items, DOC_PARAMS, ("select", "populate"))
    return DocQuery(
        depth=_integer("depth", others.get("depth"), 0, 0, MAX_DEPTH),
        select=parse_selection(trees.get("select")),
        populate=parse_populate(trees.get("populate"), collections),
    )
