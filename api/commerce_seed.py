"""Commerce demo data: regions, vendors (with a vendor user each), products with stock and prices in EUR
and USD, shipping options, customers, and a few hundred orders over the last 90 days, placed and moved
along (captured, fulfilled, canceled, refunded) through the same services the API uses. Idempotent."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api import b2b_seed
from api.auth import service as auth_service
from api.auth.models import Role, User
from api.carts import service as carts
from api.carts.models import Cart
from api.carts.schemas import CartIn, CartUpdate, LineItemIn, ShippingOptionIn
from api.catalog import service as catalog
from api.catalog.models import ProductVariant
from api.catalog.schemas import OptionIn, PriceIn, ProductIn, VariantIn
from api.clock import utcnow
from api.customers import service as customers
from api.customers.schemas import AddressIn, CustomerIn
from api.db import Database, Domain
from api.orders import service as orders
from api.orders.models import Order, VendorOrder
from api.orders.schemas import OrderOut, RefundIn
from api.regions import service as regions
from api.regions.models import Region
from api.regions.schemas import RegionIn
from api.vendors import service as vendors
from api.vendors.models import Vendor, VendorStatus
from api.vendors.schemas import VendorIn
from connectors.payments import ManualProvider

ORDERS = 300
CUSTOMERS = 20
PASSWORD = "demo-password-123"
VENDORS = [
    ("nordic-oak", "Nordic Oak", "Furniture", ["Chair", "Table", "Shelf", "Stool", "Bench", "Desk"], True),
    ("lumen-works", "Lumen Works", "Lighting", ["Desk Lamp", "Floor Lamp", "Pendant", "Sconce", "Bulb Pack"], True),
    ("paper-trail", "Paper Trail", "Stationery", ["Notebook", "Planner", "Pen Set", "Sketchbook", "Envelopes"], True),
    ("brew-supply", "Brew Supply Co", "Coffee", ["Espresso Beans", "Grinder", "Kettle", "Filter Papers"], True),
    ("late-bloom", "Late Bloom", "Plants", ["Fern", "Cactus", "Planter"], False),
]
SIZES = ["Small", "Medium", "Large"]
FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Linus"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton"]


def category_id(name: str) -> str:
    """The id of a demo category: the content seed creates its category tree with these ids, so the catalog's
    category links and the storefront's category filter (from the content tree) name the same categories."""
    return f"cat_{name.lower()}"


def already_seeded(session: Session) -> bool:
    return session.scalar(select(Vendor.id).where(Vendor.slug == VENDORS[0][0])) is not None


def _catalog(session: Session, rng: random.Random) -> None:
    regions.create_region(
        session, RegionIn(name="Europe", currency_code="EUR", tax_rate=Decimal("0.2000"),
                          countries=["DE", "FR", "NL", "ES", "IT"]))
    regions.create_region(
        session, RegionIn(name="United States", currency_code="USD", tax_rate=Decimal("0.0725"), countries=["US"]))
    for slug, name, category, items, approved in VENDORS:
        vendor = vendors.create_vendor(session, VendorIn(
            name=name, slug=slug, email=f"hello@{slug}.example.com",
            commission_rate=Decimal(rng.choice(["0.1000", "0.1200", "0.1500"])), default_currency="EUR"))
        if approved:
            vendors.change_status(session, vendor.id, VendorStatus.approved)
        auth_service.create_user(session, email=f"{slug}@example.com", password=PASSWORD, role=Role.vendor,
                                 full_name=f"{name} Team", vendor_id=vendor.id)
        carts.create_shipping_option(session, ShippingOptionIn(
            vendor_id=vendor.id, name="Standard", prices=[PriceIn(currency_code="EUR", amount=490),
                                                          PriceIn(currency_code="USD", amount=690)]))
        carts.create_shipping_option(session, ShippingOptionIn(
            vendor_id=vendor.id, name="Express", prices=[PriceIn(currency_code="EUR", amount=1290),
                                                         PriceIn(currency_code="USD", amount=1590)]))
        for item in items:
            base = rng.randrange(900, 25_000, 100) - 1
            sizes = SIZES[: rng.randint(1, 3)]
            handle = f"{slug}-{item.lower().replace(' ', '-')}"
            catalog.create_product(session, ProductIn(
                vendor_id=vendor.id, title=item, handle=handle, status="published",
                description=f"{item} by {name}.", category_ids=[category_id(category)],
                thumbnail=f"https://img.example.com/{handle}.jpg",
                options=[OptionIn(title="Size", values=sizes)],
                variants=[
                    VariantIn(
                        title=f"{item} {size}", sku=f"{handle}-{size.lower()}".upper(), options={"Size": size},
                        prices=[PriceIn(currency_code="EUR", amount=base + i * 500),
                                PriceIn(currency_code="USD", amount=int((base + i * 500) * 1.1))],
                        stocked_quantity=rng.randint(2_000, 3_000),
                    )
                    for i, size in enumerate(sizes)
                ],
            ))


def _customers(session: Session) -> list[User]:
    # The first registers as the store API does; the rest share its password hash (hashing is slow on purpose).
    first = customers.register(session, CustomerIn(
        email="customer1@example.com", password=PASSWORD, first_name=FIRST_NAMES[0], last_name=LAST_NAMES[0]))
    made = [first]
    for i in range(1, CUSTOMERS):
        user = User(email=f"customer{i + 1}@example.com", password_hash=first.password_hash, role=Role.customer,
                    full_name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]}")
        session.add(user)
        made.append(user)
    session.flush()
    return made


def _place(session: Session, rng: random.Random, customer: User, region: Region,
           variants: list[ProductVariant]) -> Order:
    actor = auth_service.actor_for_user(customer)
    cart = carts.create_cart(session, CartIn(region_id=region.id), actor)
    country = rng.choice(region.countries)
    carts.update_cart(session, cart.id, CartUpdate(shipping_address=AddressIn(
        first_name=(customer.full_name or "A B").split()[0], last_name=(customer.full_name or "A B").split()[-1],
        address_1=f"{rng.randint(1, 200)} Market Street", city="Springfield",
        postal_code=f"{rng.randint(10000, 99999)}",
        country_code=country)), actor)
    for variant in rng.sample(variants, rng.choice([1, 1, 2, 2, 3])):
        carts.add_line(session, cart.id, LineItemIn(variant_id=variant.id, quantity=rng.randint(1, 3)), actor)
    for option in carts.options_for_cart(session, cart):
        if option.name == "Standard" or rng.random() < 0.2:
            carts.add_shipping_method(session, cart.id, option.id, actor)
    placed = carts.complete(session, ManualProvider(), cart.id, actor, None)
    assert isinstance(placed, OrderOut)  # demo customers belong to no company
    return orders.get_order(session, placed.id)


def _progress(session: Session, rng: random.Random, order: Order) -> None:
    provider = ManualProvider()
    roll = rng.random()
    if roll < 0.08:
        orders.cancel(session, provider, order.id)
        return
    if roll < 0.25:
        return  # still authorised, waiting for capture
    orders.capture(session, provider, order.id)
    if roll < 0.35:
        return  # captured, not shipped yet
    for vendor_order in list(order.vendor_orders):
        if len(order.vendor_orders) > 1 and rng.random() < 0.1:
            orders.cancel_vendor_order(session, provider, order.id, vendor_order.id)
        else:
            orders.fulfill(session, provider, order.id, vendor_order.id, rng.choice(["DHL", "UPS", "DPD"]),
                           f"TRK{rng.randrange(10**9):09d}")
    if rng.random() < 0.08:
        refundable = sum(vo.captured_total - vo.refunded_total for vo in order.vendor_orders)
        if refundable > 0:
            orders.refund(session, provider, order.id,
                          RefundIn(amount=max(1, refundable // rng.choice([1, 2, 4])), reason="demo refund"))


def _backdate(session: Session, order: Order, rng: random.Random) -> None:
    when = utcnow() - timedelta(days=rng.uniform(0, 90))
    session.execute(update(Order).where(Order.id == order.id).values(created_at=when, updated_at=when))
    session.execute(update(VendorOrder).where(VendorOrder.order_id == order.id).values(created_at=when,
                                                                                         updated_at=when))
    session.execute(update(Cart).where(Cart.id == order.cart_id).values(created_at=when, updated_at=when))


def seed_catalog(database: Database, echo: Callable[[str], None] = print) -> None:
    """Regions, vendors, products, shipping options, commission rules and customers: what the store shows."""
    rng = random.Random(20261125)
    with database.transaction(Domain.commerce) as session:
        if already_seeded(session):
            echo("commerce catalog already present; skipped")
            return
        _catalog(session, rng)
        b2b_seed.seed_rules(session)
        buyers = _customers(session)
        echo(f"commerce: {len(VENDORS)} vendors, products, {len(buyers)} customers")


def seed_orders(database: Database, echo: Callable[[str], None] = print) -> None:
    """The order history of the last 90 days, and the B2B companies and quotes (after `seed_catalog`). A history
    cut short (the demo stopped while it ran; each batch of 50 orders is its own transaction) is completed by the
    next run, and the B2B data follows."""
    with database.transaction(Domain.commerce) as session:
        placed = session.scalar(select(func.count()).select_from(Order).where(Order.company_id.is_(None))) or 0
        b2b_seeded = b2b_seed.is_seeded(session)
        if placed >= ORDERS and b2b_seeded:
            echo("commerce orders already present; skipped")
            return
        region_rows = list(session.scalars(select(Region).order_by(Region.name)))
        variants = list(session.scalars(
            select(ProductVariant).join(ProductVariant.product).join(Vendor)
            .where(Vendor.status == VendorStatus.approved).order_by(ProductVariant.sku)))
        customer_ids = list(session.scalars(
            select(User.id).where(User.role == Role.customer, User.email.like("customer%@example.com"))
            .order_by(User.email)))
    if 0 < placed < ORDERS:
        echo(f"commerce: {placed}/{ORDERS} orders from an earlier run; placing the rest")
    rng = random.Random(20261126 + placed)  # a completed history continues with draws of its own
    for start in range(placed, ORDERS, 50):
        with database.transaction(Domain.commerce) as session:
            for _ in range(start, min(start + 50, ORDERS)):
                customer = session.get(User, rng.choice(customer_ids))
                assert customer is not None
                region = region_rows[0] if rng.random() < 0.7 else region_rows[1]
                order = _place(session, rng, customer, session.merge(region), variants)
                _progress(session, rng, order)
                _backdate(session, order, rng)
        echo(f"commerce: {min(start + 50, ORDERS)}/{ORDERS} orders")
    if not b2b_seeded:
        with database.transaction(Domain.commerce) as session:
            b2b_seed.seed_b2b(session, echo)


def seed_commerce(database: Database, echo: Callable[[str], None] = print) -> None:
    seed_catalog(database, echo)
    seed_orders(database, echo)
