"""Money invariants over many random orders, built through the services in one database: for every vendor
order, vendor earnings + commission = what was paid for that vendor (captured - refunded), to the cent,
after any sequence of partial refunds and cancellations; the commission never goes negative and a vendor
order refunded in full ends with no commission."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.models import Role
from api.carts import service as carts
from api.carts.schemas import CartIn, CartUpdate, LineItemIn, ShippingOptionIn
from api.catalog import service as catalog
from api.catalog.schemas import OptionIn, PriceIn, ProductIn, VariantIn
from api.commissions import service as commissions
from api.commissions.models import CommissionLine
from api.commissions.schemas import FeeIn, RuleIn
from api.customers.schemas import AddressIn
from api.db import Database, Domain
from api.orders import service as orders
from api.orders.models import Order, VendorOrderStatus
from api.orders.schemas import OrderOut, RefundIn
from api.regions import service as regions
from api.regions.schemas import RegionIn
from api.vendors import service as vendors
from api.vendors.models import VendorStatus
from api.vendors.schemas import VendorIn
from connectors.payments import ManualProvider

PRICES = [1, 333, 999, 1001, 2499, 12345]
SHIPPING = [0, 490, 1290]


def _setup(session: Session) -> dict[str, Any]:
    region = regions.create_region(session, RegionIn(name="EU", currency_code="EUR", tax_rate=Decimal("0.1900"),
                                                     countries=["DE"]))
    commissions.create_rule(session, RuleIn(name="Default", scope="platform", rate=Decimal("0.1000")))
    commissions.create_rule(session, RuleIn(name="Odd", scope="category", category_id="cat_odd",
                                            rate=Decimal("0.1234"), fixed_fees=[FeeIn(currency_code="EUR", amount=7)]))
    variants = []
    for v, (rate, shipping) in enumerate(zip(["0.0800", "0.1500", "0.0000"], SHIPPING, strict=True)):
        vendor = vendors.create_vendor(session, VendorIn(name=f"V{v}", slug=f"v{v}", email=f"v{v}@example.com",
                                                         commission_rate=Decimal(rate), default_currency="EUR"))
        vendors.change_status(session, vendor.id, VendorStatus.approved)
        if v == 1:
            commissions.create_rule(session, RuleIn(name="V1", scope="vendor", vendor_id=vendor.id,
                                                    rate=Decimal("0.0777")))
        carts.create_shipping_option(session, ShippingOptionIn(
            vendor_id=vendor.id, name="Std", prices=[PriceIn(currency_code="EUR", amount=shipping)]))
        for p, price in enumerate(PRICES):
            product = catalog.create_product(session, ProductIn(
                vendor_id=vendor.id, title=f"P{v}{p}", handle=f"p{v}-{p}", status="published",
                category_ids=["cat_odd"] if p % 2 else [], options=[OptionIn(title="Size", values=["M"])],
                variants=[VariantIn(title="M", sku=f"SKU-{v}-{p}", options={"Size": "M"},
                                    prices=[PriceIn(currency_code="EUR", amount=price)],
                                    stocked_quantity=1_000_000)]))
            variants.append(product.variants[0].id)
    user = auth_service.create_user(session, email="buyer@example.com", password="correct-horse-battery",
                                    role=Role.customer)
    return {"region_id": region.id, "variants": variants, "user_id": user.id}


def _place(session: Session, world: dict[str, Any], lines: list[tuple[int, int]]) -> Order:
    user = session.get(auth_service.User, world["user_id"])
    assert user is not None
    actor = auth_service.actor_for_user(user)
    cart = carts.create_cart(session, CartIn(region_id=world["region_id"]), actor)
    carts.update_cart(session, cart.id, CartUpdate(shipping_address=AddressIn(
        first_name="A", last_name="B", address_1="1 St", city="Berlin", postal_code="10115", country_code="DE")),
        actor)
    for index, quantity in lines:
        carts.add_line(session, cart.id, LineItemIn(variant_id=world["variants"][index], quantity=quantity), actor)
    for option in carts.options_for_cart(session, cart):
        carts.add_shipping_method(session, cart.id, option.id, actor)
    placed = carts.complete(session, ManualProvider(), cart.id, actor, None)
    assert isinstance(placed, OrderOut)
    return orders.get_order(session, placed.id)


def _check(session: Session, order: Order) -> None:
    for vo in order.vendor_orders:
        gross, commission, vendor = session.execute(
            select(func.sum(CommissionLine.gross_amount), func.sum(CommissionLine.commission_amount),
                   func.sum(CommissionLine.vendor_amount)).where(CommissionLine.vendor_order_id == vo.id)
        ).one()
        paid = vo.captured_total - vo.refunded_total
        assert vendor + commission == gross == paid, (vo.id, vendor, commission, gross, paid)
        assert commission >= 0
        if paid == 0:
            assert commission == 0
    per_line = session.execute(
        select(CommissionLine.order_line_item_id, func.sum(CommissionLine.gross_amount),
               func.sum(CommissionLine.commission_amount), func.sum(CommissionLine.base_amount))
        .where(CommissionLine.order_id == order.id).group_by(CommissionLine.order_line_item_id)
    ).all()
    for _, gross, commission, base in per_line:
        assert commission >= 0 and base >= 0 and gross >= 0
        if gross == 0:
            assert commission == 0 and base == 0


operations = st.lists(
    st.tuples(st.sampled_from(["refund_split", "refund_one", "cancel_one"]), st.integers(0, 2),
              st.fractions(min_value=0, max_value=1)),
    max_size=6,
)
order_lines = st.lists(st.tuples(st.integers(0, len(PRICES) * 3 - 1), st.integers(1, 7)), min_size=1, max_size=5,
                       unique_by=lambda line: line[0])


def test_vendor_earnings_plus_commission_is_what_was_paid(database: Database) -> None:
    with database.transaction(Domain.commerce) as session:
        world = _setup(session)
    provider = ManualProvider()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(lines=order_lines, ops=operations, capture=st.booleans())
    def run(lines: list[tuple[int, int]], ops: list[tuple[str, int, Any]], capture: bool) -> None:
        with database.transaction(Domain.commerce) as session:
            order = _place(session, world, lines)
            if capture:
                orders.capture(session, provider, order.id)
            for kind, index, fraction in ops:
                vo = order.vendor_orders[index % len(order.vendor_orders)]
                if kind == "cancel_one":
                    if vo.status == VendorOrderStatus.pending:
                        orders.cancel_vendor_order(session, provider, order.id, vo.id)
                elif capture:
                    parts = [vo] if kind == "refund_one" else order.vendor_orders
                    refundable = sum(p.captured_total - p.refunded_total for p in parts)
                    amount = int(refundable * fraction)
                    if amount > 0:
                        orders.refund(session, provider, order.id, RefundIn(
                            amount=amount, vendor_order_id=vo.id if kind == "refund_one" else None))
                if capture:
                    _check(session, order)
            if not capture:
                # Not captured: what the buyer owes each vendor is the vendor order total, or 0 once canceled.
                for vo in order.vendor_orders:
                    total = session.scalar(select(func.sum(CommissionLine.gross_amount)).where(
                        CommissionLine.vendor_order_id == vo.id))
                    assert total == (0 if vo.status == VendorOrderStatus.canceled else vo.total)
            else:
                _check(session, order)

    run()
