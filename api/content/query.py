"""The one query engine of the collection API: Payload-style query parameters -> a validated filter tree
-> a SQLAlchemy where clause over a collection's allow-listed fields, plus sort, paging and depth.

    where[title][equals]=Home            where[or][0][slug][equals]=a&where[or][1][slug][equals]=b
    where[tags][in]=news,tips            where[and][0][publishedAt][greater_than]=2026-01-01
    sort=-publishedAt,title   limit=10 (1..100)   page=1   depth=0 (0..2)

Every name and operator is checked against the collection's declaration; anything else is a 400
problem carrying the allowed list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlalchemy.sql.elements import UnaryExpression

from api.errors import BadRequest
from api.search import LIKE_ESCAPE, contains_pattern


class Kind(StrEnum):
    text = "text"
    number = "number"
    datetime = "datetime"
    boolean = "boolean"
    array = "array"  # a PostgreSQL text array (tags, vendor ids)


class Op(StrEnum):
    equals = "equals"
    not_equals = "not_equals"
    in_ = "in"
    like = "like"
    greater_than = "greater_than"
    less_than = "less_than"
    exists = "exists"


_COMPARABLE = frozenset({Op.equals, Op.not_equals, Op.in_, Op.greater_than, Op.less_than, Op.exists})
OPS_BY_KIND: dict[Kind, frozenset[Op]] = {
    Kind.text: _COMPARABLE | {Op.like},
    Kind.number: _COMPARABLE,
    Kind.datetime: _COMPARABLE,
    Kind.boolean: frozenset({Op.equals, Op.not_equals, Op.exists}),
    Kind.array: frozenset({Op.equals, Op.in_, Op.exists}),
}

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_PAGE = 10_000
MAX_DEPTH = 2
MAX_CONDITIONS = 20
MAX_NESTING = 4
MAX_IN_VALUES = 100
MAX_VALUE_LENGTH = 500
MAX_SORT_FIELDS = 5
LIST_PARAMS = ("sort", "limit", "page", "depth")

_WHERE_KEY = re.compile(r"^where((?:\[[^\[\]]{0,100}\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^-?\d{1,18}$")


@dataclass(frozen=True)
class Field:
    """A queryable, sortable field: the API name maps to one column of the collection's table."""

    column: Any
    kind: Kind = Kind.text
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ListQuery:
    where: ColumnElement[bool]
    order_by: list[UnaryExpression[Any]]
    limit: int
    page: int
    depth: int


@dataclass(frozen=True)
class DocQuery:
    depth: int


def _bad(detail: str, **extra: Any) -> BadRequest:
    return BadRequest(detail, **extra)


# --- parsing the bracketed parameters into a tree -------------------------------------------------


def where_tree(items: list[tuple[str, str]]) -> dict[str, Any]:
    """`where[a][b]=v` pairs -> {"a": {"b": "v"}}; `[]` appends (as `where[f][in][]=x`)."""
    tree: dict[str, Any] = {}
    for key, value in items:
        match = _WHERE_KEY.match(key)
        if match is None:
            raise _bad(f"Malformed filter parameter '{key[:120]}': use where[field][operator]=value.")
        if len(value) > MAX_VALUE_LENGTH * 4:
            raise _bad(f"The value of '{key[:120]}' is too long.")
        segments = _SEGMENT.findall(match.group(1))
        if len(segments) > 2 * MAX_NESTING + 3:
            raise _bad("Filters are nested too deeply.")
        node = tree
        for segment in segments[:-1]:
            child = node.setdefault(segment or str(len(node)), {})
            if not isinstance(child, dict):
                raise _bad(f"'{key[:120]}' conflicts with another filter parameter.")
            node = child
        last = segments[-1] or str(len(node))
        if last in node:
            raise _bad(f"'{key[:120]}' is given twice or conflicts with another filter parameter.")
        node[last] = value
    return tree


# --- the tree into a where clause ---------------------------------------------------------------


class _Builder:
    def __init__(self, fields: dict[str, Field]) -> None:
        self.fields = fields
        self.conditions = 0

    def group(self, node: Any, nesting: int) -> ColumnElement[bool]:
        if not isinstance(node, dict) or not node:
            raise _bad("Each filter group needs at least one where[field][operator]=value.")
        if nesting > MAX_NESTING:
            raise _bad(f"and/or groups nest at most {MAX_NESTING} deep.")
        clauses: list[ColumnElement[bool]] = []
        for key, value in node.items():
            if key in ("and", "or"):
                if not isinstance(value, dict) or not value or not all(_is_index(k) for k in value):
                    raise _bad(f"Use where[{key}][0][field][operator]=value for an '{key}' group.")
                children = [self.group(value[k], nesting + 1) for k in sorted(value, key=int)]
                clauses.append(or_(*children) if key == "or" else and_(*children))
            else:
                clauses.extend(self.field(key, value))
        return and_(*clauses)

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
            detail = (
                f"'{op_name}' does not apply to the {field.kind.value} field '{name}'."
                if known
                else f"'{op_name[:100]}' is not a filter operator."
            )
            raise _bad(detail, field=name, allowed_operators=allowed)
        op = Op(op_name)
        column = field.column
        if op is Op.exists:
            present = _boolean(name, _scalar(name, raw))
            if field.kind is Kind.array:
                return func.cardinality(column) > 0 if present else func.cardinality(column) == 0
            return column.is_not(None) if present else column.is_(None)
        if op is Op.in_:
            values = [_coerce(name, field, v) for v in _values(name, raw)]
            return column.overlap(values) if field.kind is Kind.array else column.in_(values)
        value = _coerce(name, field, _scalar(name, raw))
        if field.kind is Kind.array:
            return column.contains([value])
        if op is Op.equals:
            return column == value
        if op is Op.not_equals:
            return column.is_distinct_from(value)
        if op is Op.like:
            return column.ilike(contains_pattern(str(value)), escape=LIKE_ESCAPE)
        if op is Op.greater_than:
            return column > value
        return column < value


def _is_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) <= 4


def _scalar(name: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _bad(f"The filter on '{name}' expects a single value here.")
    if len(raw) > MAX_VALUE_LENGTH:
        raise _bad(f"The filter value for '{name}' is longer than {MAX_VALUE_LENGTH} characters.")
    return raw


def _values(name: str, raw: Any) -> list[str]:
    if isinstance(raw, str):
        values = [v for v in raw.split(",") if v != ""]
    elif isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
        values = list(raw.values())
    else:
        raise _bad(f"'in' on '{name}' expects a comma-separated list or where[{name}][in][]=... values.")
    if not 1 <= len(values) <= MAX_IN_VALUES:
        raise _bad(f"'in' on '{name}' takes 1 to {MAX_IN_VALUES} values.")
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


def build_where(tree: dict[str, Any], fields: dict[str, Field]) -> ColumnElement[bool]:
    return _Builder(fields).group(tree, 0) if tree else true()


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


def _single(items: list[tuple[str, str]], allowed: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in items:
        if key not in allowed:
            raise _bad(f"Unknown query parameter '{key[:100]}'.", allowed_parameters=list(allowed))
        if key in found:
            raise _bad(f"'{key}' is given more than once.")
        found[key] = value
    return found


def parse_list(
    items: list[tuple[str, str]],
    fields: dict[str, Field],
    id_column: Any,
    default_sort: str,
    shortcuts: dict[str, str] | None = None,
) -> ListQuery:
    """Everything a list request says, validated. `shortcuts` maps extra parameters to an `equals`
    filter on a field (`?tag=x` = `where[tags][equals]=x`)."""
    shortcuts = shortcuts or {}
    where_items = [(k, v) for k, v in items if k.startswith("where")]
    others = _single([(k, v) for k, v in items if not k.startswith("where")], (*LIST_PARAMS, *shortcuts))
    tree = where_tree(where_items)
    extra = [{name: {"equals": others[param]}} for param, name in shortcuts.items() if param in others]
    if extra:
        tree = {"and": {str(i): node for i, node in enumerate([*([tree] if tree else []), *extra])}}
    return ListQuery(
        where=build_where(tree, fields),
        order_by=build_order(others.get("sort", default_sort), fields, id_column),
        limit=_integer("limit", others.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
        page=_integer("page", others.get("page"), 1, 1, MAX_PAGE),
        depth=_integer("depth", others.get("depth"), 0, 0, MAX_DEPTH),
    )


def parse_doc(items: list[tuple[str, str]]) -> DocQuery:
    others = _single(items, ("depth",))
    return DocQuery(depth=_integer("depth", others.get("depth"), 0, 0, MAX_DEPTH))
