"""Commission rules and the commission ledger.

Which rule version applies to an order line (the version in force at `orders.created_at`, the one instant of
the sale: `valid_from <= t < valid_to`):

1. a **category rule** for one of the product's *approved* categories (assigned or approved by a platform
   admin; a vendor's own tag never changes its commission); with several, the highest `priority` wins, then
   the lowest rule id;
2. else the **vendor rule** of the line's vendor;
3. else the **platform default** rule;
4. else (no rule at all in force) the vendor's `commission_rate` as recorded on the vendor order at the sale,
   with no fixed fee.

Versions of one target (the platform, one vendor, one category) never overlap in time - the database refuses
it (an exclusion constraint) - so each step finds at most one (category rules of *different* categories may
overlap; that is what `priority` decides). A version a sale used is frozen: it cannot be edited or deleted, only
closed (`valid_to`, not in the past) or followed by a new version (`new_version`: closes the old one at the new
one's start). The sale line records the terms it was priced with: the version, rate, fixed fee and categories.

A sale line is recorded per order line when the order is placed: `base_amount` is the line total after
discounts, excluding tax and shipping (there are no discounts yet: the line subtotal); the commission is
`base * rate` (rounded half-even) plus the rule's fixed fee in the order's currency, at most the base.
`gross_amount` is what the buyer paid for the line: its subtotal plus its share (largest remainder) of the
vendor order's shipping and tax, which pass through to the vendor as seller of record. The vendor earns
`gross - commission`. Refunds and cancellations write negative reversal lines: the money given back is split
over the vendor order's lines in proportion to what each still holds (`money.allocate`), and each line's base
and commission are reversed cumulatively with `money.prorate`, so a line refunded in full ends at exactly zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Text,
    and_,
    any_,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from api import money
from api.batch_write import new_row
from api.clock import utcnow
from api.commissions.models import CommissionLine, CommissionRule, LineType, RuleScope
from api.commissions.schemas import RuleIn, RuleUpdate, RuleVersionIn
from api.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.orders.models import NewOrder, Order, VendorOrder
from api.payments.models import Refund
from api.vendors.models import Vendor


@dataclass(frozen=True)
class Terms:
    rule_id: str | None
    rate: Decimal
    fixed_fees: dict[str, int]
    categories: tuple[str, ...]


EXCLUSION_VIOLATION = "23P01"

# ---- rules ---------------------------------------------------------------------------------------------


def _in_force(at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return and_(
        CommissionRule.valid_from <= at, or_(CommissionRule.valid_to.is_(None), CommissionRule.valid_to > at)
    )


class RuleTerms(NamedTuple):
    """A rule version's terms, as the checkout reads them with its cart (`rules_in_force_for`)."""

    id: str
    scope: str
    vendor_id: str | None
    category_id: str | None
    rate: Decimal
    fixed_fees: dict[str, int]


def rules_in_force_for(
    vendor_id: ColumnElement[str] | InstrumentedAttribute[str], category_ids: ColumnElement[Any],
    at: BindParameter[datetime],
) -> ScalarSelect[Any]:
    """Every rule version in force at `at` that may price a line of `vendor_id`'s product in `category_ids` (its
    approved categories): the categories' rules, the vendor's rules and the platform default, highest `priority`
    first, then by rule id (the order `_pick_terms` relies on), as one JSON array (`rule_terms` reads it). A column
    of the checkout's cart read: the terms come with the lines, in no statement of their own. The rate goes as text
    (a JSON number would come back as a float)."""
    rule = CommissionRule
    terms = func.json_build_array(
        rule.id, rule.scope, rule.vendor_id, rule.category_id, cast(rule.rate, Text), rule.fixed_fees
    )
    return (
        select(func.coalesce(func.json_agg(aggregate_order_by(terms, rule.priority.desc(), rule.id)), _NO_RULES))
        .where(
            or_(
                rule.scope == RuleScope.platform,
                and_(rule.scope == RuleScope.vendor, rule.vendor_id == vendor_id),
                and_(rule.scope == RuleScope.category, rule.category_id == any_(category_ids)),
            ),
            _in_force(at),
        )
        .scalar_subquery()
    )


_NO_RULES: ColumnElement[Any] = literal_column("'[]'::json")


def rule_terms(rules: Sequence[Sequence[Any]]) -> list[RuleTerms]:
    """The terms of `rules_in_force_for`'s JSON array, in its order."""
    return [RuleTerms(rule_id, scope, vendor_id, category_id, Decimal(rate), fees)
            for rule_id, scope, vendor_id, category_id, rate, fees in rules]


def _pick_terms(
    rules: Iterable[RuleTerms], vendor_id: str, vendor_rate: Decimal, category_ids: Iterable[str]
) -> Terms:
    """The commission terms for a line of a vendor's product in the (approved) `category_ids`, among `rules`
    (`rules_in_force_for` at the sale), with `vendor_rate` as the last fallback (see the module)."""
    categories = tuple(sorted(set(category_ids)))
    by_scope: dict[str, RuleTerms] = {}
    for rule in rules:  # the first of each scope that applies: the highest priority, then the lowest id
        applies = (
            rule.scope == RuleScope.platform
            or (rule.scope == RuleScope.vendor and rule.vendor_id == vendor_id)
            or (rule.scope == RuleScope.category and rule.category_id in categories)
        )
        if applies:
            by_scope.setdefault(rule.scope, rule)
    for scope in (RuleScope.category, RuleScope.vendor, RuleScope.platform):
        if scope in by_scope:
            rule = by_scope[scope]
            return Terms(rule.id, rule.rate, dict(rule.fixed_fees), categories)
    return Terms(None, vendor_rate, {}, categories)


# A new vendor's own rate (the last fallback) when no platform rule is in force.
DEFAULT_RATE = Decimal("0.1000")


def platform_rate(session: Session, at: datetime | None = None) -> Decimal:
    """The platform default rate in force, given to a vendor that registers itself."""
    rule = session.scalar(
        select(CommissionRule).where(CommissionRule.scope == RuleScope.platform, _in_force(at or utcnow())).limit(1)
    )
    return rule.rate if rule else DEFAULT_RATE


def get_rule(session: Session, rule_id: str, *, for_update: bool = False) -> CommissionRule:
    rule = session.get(CommissionRule, rule_id, with_for_update=for_update)
    if rule is None:
        raise NotFound("No such commission rule.")
    return rule


def list_rules(
    session: Session, *, scope: RuleScope | None, vendor_id: str | None, limit: int, offset: int
) -> tuple[list[CommissionRule], int]:
    statement = select(CommissionRule)
    if scope is not None:
        statement = statement.where(CommissionRule.scope == scope)
    if vendor_id is not None:
        statement = statement.where(CommissionRule.vendor_id == vendor_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(CommissionRule.scope, CommissionRule.valid_from.desc(), CommissionRule.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def _check_rule(session: Session, rule: CommissionRule) -> None:
    if rule.valid_to is not None and rule.valid_to <= rule.valid_from:
        raise ValidationFailed(
            "valid_to must be after valid_from.", errors=[FieldError(field="valid_to", message="before valid_from")]
        )
    if rule.scope == RuleScope.vendor and session.get(Vendor, rule.vendor_id) is None:
        raise ValidationFailed("Unknown vendor.", errors=[FieldError(field="vendor_id", message="No such vendor.")])


def _store(session: Session, rule: CommissionRule) -> CommissionRule:
    """Flush `rule`; the database's exclusion constraint refuses an overlap with another version (409)."""
    _check_rule(session, rule)
    try:
        with session.begin_nested():
            session.add(rule)
            session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise Conflict("The rule would overlap another version of the same target in time.") from exc
        raise
    session.refresh(rule)
    return rule


def is_used(session: Session, rule_id: str) -> bool:
    """Whether a sale was priced with this rule version (then it is frozen)."""
    return session.scalar(select(CommissionLine.id).where(CommissionLine.rule_id == rule_id).limit(1)) is not None


def create_rule(session: Session, body: RuleIn) -> CommissionRule:
    return _store(session, CommissionRule(
        name=body.name,
        scope=body.scope,
        vendor_id=body.vendor_id,
        category_id=body.category_id,
        rate=body.rate,
        fixed_fees={f.currency_code: f.amount for f in body.fixed_fees},
        priority=body.priority,
        valid_from=body.valid_from or utcnow(),
        valid_to=body.valid_to,
    ))


def update_rule(session: Session, rule_id: str, body: RuleUpdate) -> CommissionRule:
    """Change a version no sale used yet. A used version can only be closed: `valid_to` alone, not in the past
    (409 otherwise; open a new version with `new_version` to change its terms)."""
    rule = get_rule(session, rule_id, for_update=True)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    closing = set(changes) == {"valid_to"} and body.valid_to is not None and body.valid_to >= utcnow()
    if not closing and is_used(session, rule.id):
        raise Conflict("Sales were priced with this rule version: it can only be closed (valid_to, not in the "
                       "past); open a new version to change its terms.", rule_id=rule.id)
    for field in ("name", "rate", "priority", "valid_from"):
        if changes.get(field) is not None:
            setattr(rule, field, changes[field])
    if "valid_to" in changes:
        rule.valid_to = body.valid_to
    if body.fixed_fees is not None:
        rule.fixed_fees = {f.currency_code: f.amount for f in body.fixed_fees}
    return _store(session, rule)


def new_version(session: Session, rule_id: str, body: RuleVersionIn) -> CommissionRule:
    """Change a rule's terms from `body.valid_from` (default now, never in the past): the current version is
    closed at that instant and a new version of the same target opens there, until the old one's end."""
    old = get_rule(session, rule_id, for_update=True)
    start = body.valid_from or utcnow()
    if start < utcnow() - timedelta(seconds=1) or start <= old.valid_from or (
        old.valid_to is not None and start >= old.valid_to
    ):
        raise ValidationFailed(
            "The new version starts now or later, inside the old version's validity.",
            errors=[FieldError(field="valid_from", message="not inside the old version's future validity")],
        )
    end, old.valid_to = old.valid_to, start
    session.flush()
    return _store(session, CommissionRule(
        name=body.name or old.name,
        scope=old.scope,
        vendor_id=old.vendor_id,
        category_id=old.category_id,
        rate=body.rate,
        fixed_fees={f.currency_code: f.amount for f in body.fixed_fees},
        priority=old.priority if body.priority is None else body.priority,
        valid_from=start,
        valid_to=end,
        previous_version_id=old.id,
    ))


def delete_rule(session: Session, rule_id: str) -> None:
    """Delete a version no sale used (409 otherwise: close it instead)."""
    rule = get_rule(session, rule_id, for_update=True)
    if is_used(session, rule.id):
        raise Conflict("Sales were priced with this rule version; close it (valid_to) instead.", rule_id=rule.id)
    session.delete(rule)
    session.flush()


# ---- the ledger ----------------------------------------------------------------------------------------


def record_sale(
    new: NewOrder, categories: Mapping[str, Sequence[str]], rules: Mapping[str, Sequence[RuleTerms]]
) -> list[dict[str, Any]]:
    """A sale line per order line of an order being placed, as rows for the statement that writes the order
    (`api.batch_write`), priced with the terms in force at the order's `created_at`, read with the cart (`rules`,
    by product id: `rules_in_force_for`), and the product's approved `categories` (by product id), all recorded on
    the line."""
    order = new.order
    rows = []
    for vendor_order in new.vendor_orders:
        # Lines in id order (as `new.lines` holds them), so the commission run can reproduce the split (and its
        # remainders) from rows.
        items = new.lines[vendor_order["id"]]
        subtotals = [item["subtotal"] for item in items]
        grosses = money.allocate(vendor_order["total"], subtotals if sum(subtotals) > 0 else [1] * len(subtotals))
        for item, gross in zip(items, grosses, strict=True):
            product_id = item["product_id"]
            terms = _pick_terms(
                rules[product_id], vendor_order["vendor_id"], vendor_order["commission_rate"], categories[product_id]
            )
            fee = terms.fixed_fees.get(order["currency_code"], 0)
            commission = money.commission(item["subtotal"], terms.rate, fee)
            rows.append(new_row(
                CommissionLine,
                type=LineType.sale,
                vendor_id=vendor_order["vendor_id"],
                order_id=order["id"],
                vendor_order_id=vendor_order["id"],
                order_line_item_id=item["id"],
                rule_id=terms.rule_id,
                categories=list(terms.categories),
                currency_code=order["currency_code"],
                gross_amount=gross,
                base_amount=item["subtotal"],
                rate=terms.rate,
                fixed_fee=fee,
                commission_amount=commission,
                vendor_amount=gross - commission,
            ))
    return rows


def _ledger(session: Session, vendor_order_id: str) -> tuple[dict[str, CommissionLine], dict[str, int]]:
    """The sale line and the gross still held, per order line of a vendor order."""
    rows = list(session.scalars(select(CommissionLine).where(CommissionLine.vendor_order_id == vendor_order_id)))
    sales = {row.order_line_item_id: row for row in rows if row.type == LineType.sale}
    held: dict[str, int] = defaultdict(int)
    for row in rows:
        held[row.order_line_item_id] += row.gross_amount
    return sales, {item_id: held[item_id] for item_id in sorted(sales)}


def _reverse(
    session: Session, vendor_order: VendorOrder, amount: int, line_type: LineType, refund_id: str | None
) -> None:
    """Reverse `amount` of a vendor order's gross, split over its lines by what each still holds."""
    sales, held = _ledger(session, vendor_order.id)
    if amount <= 0 or sum(held.values()) <= 0:
        return
    amount = min(amount, sum(held.values()))
    shares = money.allocate(amount, list(held.values()))
    for (item_id, before), share in zip(held.items(), shares, strict=True):
        if share == 0:
            continue
        sale, after = sales[item_id], before - share
        base = money.prorate(sale.base_amount, after, sale.gross_amount) - money.prorate(
            sale.base_amount, before, sale.gross_amount
        )
        commission = money.prorate(sale.commission_amount, after, sale.gross_amount) - money.prorate(
            sale.commission_amount, before, sale.gross_amount
        )
        session.add(
            CommissionLine(
                type=line_type,
                vendor_id=sale.vendor_id,
                order_id=sale.order_id,
                vendor_order_id=sale.vendor_order_id,
                order_line_item_id=item_id,
                refund_id=refund_id,
                rule_id=sale.rule_id,
                categories=list(sale.categories),
                currency_code=sale.currency_code,
                gross_amount=-share,
                base_amount=base,
                rate=sale.rate,
                fixed_fee=sale.fixed_fee,
                commission_amount=commission,
                vendor_amount=-share - commission,
            )
        )
    session.flush()


def record_refund(session: Session, order: Order, refund: Refund, line_type: LineType = LineType.refund) -> None:
    """Reversal lines for a refund, per vendor order it was allocated to."""
    session.flush()
    for vendor_order in order.vendor_orders:
        _reverse(session, vendor_order, refund.allocations.get(vendor_order.id, 0), line_type, refund.id)


def reverse_rest(session: Session, vendor_order: VendorOrder) -> None:
    """A canceled vendor order: reverse whatever its lines still hold (nothing if it was refunded in full)."""
    _, held = _ledger(session, vendor_order.id)
    _reverse(session, vendor_order, sum(held.values()), LineType.cancellation, None)


def list_lines(
    session: Session,
    *,
    vendor_id: str | None = None,
    order_id: str | None = None,
    line_type: LineType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    offset: int,
) -> tuple[list[CommissionLine], int]:
    statement = select(CommissionLine)
    if vendor_id is not None:
        statement = statement.where(CommissionLine.vendor_id == vendor_id)
    if order_id is not None:
        statement = statement.where(CommissionLine.order_id == order_id)
    if line_type is not None:
        statement = statement.where(CommissionLine.type == line_type)
    if since is not None:
        statement = statement.where(CommissionLine.created_at >= since)
    if until is not None:
        statement = statement.where(CommissionLine.created_at < until)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(CommissionLine.created_at.desc(), CommissionLine.id).limit(limit).offset(offset)
    )
    return list(rows), total


def get_line(session: Session, line_id: str, vendor_id: str | None = None) -> CommissionLine:
    line = session.get(CommissionLine, line_id)
    if line is None or (vendor_id is not None and line.vendor_id != vendor_id):
        raise NotFound("No such commission line.")
    return line
