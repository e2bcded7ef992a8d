"""Carts and checkout. Totals are computed here, on the server, and nowhere else: per vendor (subtotal,
shipping, tax) and for the whole cart. Tax is computed once on the cart's taxable total and split over the
vendors by largest remainder, so the vendor totals always sum to the cart total."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import DateTime, Select, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from api import money
from api.auth.actor import Actor
from api.auth.models import Role
from api.carts.models import Cart, CartLineItem, CartShippingMethod, CartStatus, ShippingOption
from api.carts.schemas import (
    CartIn,
    CartLineItemOut,
    CartOut,
    CartShippingMethodOut,
    CartUpdate,
    LineItemIn,
    ShippingOptionIn,
    StoreShippingOptionOut,
    VendorTotalsOut,
)
from api.catalog import service as catalog
from api.catalog.models import Product, ProductCategory, ProductVariant
from api.clock import utcnow
from api.commissions import service as commissions
from api.companies import service as companies
from api.companies.models import ApprovalStatus, CompanyApproval
from api.db import PlainStatement, plain_rows, use_generic_plans
from api.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.inventory.service import OutOfStock
from api.orders import service as orders
from api.orders.schemas import OrderOut
from api.orders.service import LineSnapshot, VendorPart
from api.regions.models import Region
from api.vendors.models import Vendor, VendorStatus
from api.volume_pricing import service as volume_pricing
from connectors.payments import PaymentProvider


@dataclass(frozen=True)
class PricedPart:
    part: VendorPart
    vendor_name: str


@dataclass(frozen=True)
class PricingLine:
    """A cart line as pricing and checkout read it: what the order line will keep, and who sells it."""

    id: str
    variant_id: str
    product_id: str
    vendor_id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: int
    vendor_name: str
    vendor_commission_rate: Decimal
    vendor_status: str
    product_status: str


@dataclass(frozen=True)
class ChosenShipping:
    vendor_id: str
    shipping_option_id: str
    name: str
    amount: int


@dataclass(frozen=True)
class CartRow:
    """The columns of a cart checkout reads, as plain values (checkout closes the cart by its id)."""

    id: str
    region_id: str
    currency_code: str
    customer_id: str | None
    email: str | None
    shipping_address: dict[str, Any] | None
    status: str


@dataclass(frozen=True)
class CheckoutCart:
    """A locked cart with what checkout reads of it: the cart itself, its region's tax rate, its lines, the
    shipping chosen for each vendor, and the approved categories of each product with the commission rules in force
    at the sale that may price it (`commissions.rules_in_force_for`), by product id."""

    cart: CartRow
    tax_rate: Decimal
    display_id: int | None  # the number of the order it becomes, taken when the cart is open (`orders.new_display_id`)
    lines: list[PricingLine]
    shipping: dict[str, ChosenShipping]
    categories: dict[str, list[str]]
    rules: dict[str, list[commissions.RuleTerms]]


_AnyCart = TypeVar("_AnyCart", Cart, CartRow)


# ---- access --------------------------------------------------------------------------------------------


def _visible(cart: _AnyCart | None, actor: Actor) -> _AnyCart:
    """The cart id is the capability; a customer's cart is nobody else's (404 for them)."""
    if cart is None or (cart.customer_id is not None and cart.customer_id != actor.id):
        raise NotFound("No such cart.")
    return cart


def get_cart(session: Session, cart_id: str, actor: Actor, *, for_update: bool = False) -> Cart:
    """The cart, if `actor` may see it. `for_update` locks the row until the transaction ends (a request's
    first load of the cart, so its state is current)."""
    statement = select(Cart).where(Cart.id == cart_id)
    if for_update:
        statement = statement.with_for_update(of=Cart)
    return _visible(session.scalar(statement), actor)


def _checkout_cart_statement() -> Select[*tuple[Any, ...]]:
    """The cart, locked, with its region's tax rate, the number of the order it becomes (taken only while the cart
    is open, once for all its rows) and a row per line: the line, its variant, product (with its
    approved categories and the commission rules in force at `:at` that may price it) and vendor, and the shipping
    chosen for that vendor (outer joins: a cart without lines is one row). Plain columns, run on the session's
    connection, not objects: each object loaded would be a Python object built and tracked per checkout (the cart
    included: checkout closes it with a plain update), and checkout only reads them. Built once."""
    line, variant, product = CartLineItem, ProductVariant, Product
    method, option = CartShippingMethod, ShippingOption
    approved_categories = func.array(
        select(ProductCategory.category_id)
        .where(ProductCategory.product_id == product.id, ProductCategory.approved)
        .order_by(ProductCategory.category_id)
        .scalar_subquery()
    )
    return (
        select(
            *(getattr(Cart, field.name) for field in fields(CartRow)), Region.tax_rate,
            case((Cart.status == CartStatus.open, orders.new_display_id())),  # once per statement (an InitPlan)
            line.id, line.variant_id, variant.product_id, product.vendor_id, product.title, variant.title, variant.sku,
            line.quantity, line.unit_price, Vendor.name, Vendor.commission_rate, Vendor.status, product.status,
            method.shipping_option_id, option.name, method.amount, approved_categories,
            commissions.rules_in_force_for(
                product.vendor_id, approved_categories, bindparam("at", type_=DateTime(timezone=True))
            ),
        )
        .join(Region, Region.id == Cart.region_id)
        .outerjoin(line, line.cart_id == Cart.id)
        .outerjoin(variant, variant.id == line.variant_id)
        .outerjoin(product, product.id == variant.product_id)
        .outerjoin(Vendor, Vendor.id == product.vendor_id)
        .outerjoin(method, and_(method.cart_id == Cart.id, method.vendor_id == product.vendor_id))
        .outerjoin(option, option.id == method.shipping_option_id)
        .where(Cart.id == bindparam("cart_id"))
        .order_by(line.created_at, line.id)
        .with_for_update(of=Cart)
    )


_CHECKOUT_CART = PlainStatement(_checkout_cart_statement())
_CART_COLUMNS = len(fields(CartRow))  # the statement's first columns, the cart's (`CartRow`, in its order)


def _checkout_cart(session: Session, cart_id: str, at: datetime) -> CheckoutCart | None:
    """The cart as checkout reads it (`CheckoutCart`), with the commission rules in force at `at`, the sale."""
    session.flush()  # what the request changed first (the address, the shipping): a Core read does not autoflush
    rows = plain_rows(session, _CHECKOUT_CART, {"cart_id": cart_id, "at": at})
    if not rows:
        return None
    lines: list[PricingLine] = []
    shipping: dict[str, ChosenShipping] = {}
    categories: dict[str, list[str]] = {}
    rules: dict[str, list[commissions.RuleTerms]] = {}
    for row in rows:
        (line_id, variant_id, product_id, vendor_id, title, variant_title, sku, quantity, unit_price,
         vendor_name, commission_rate, vendor_status, product_status, option_id, option_name, amount,
         product_categories, product_rules) = row[_CART_COLUMNS + 2:]
        if line_id is None:
            continue
        categories[product_id] = product_categories
        rules[product_id] = commissions.rule_terms(product_rules)
        lines.append(PricingLine(
            id=line_id, variant_id=variant_id, product_id=product_id, vendor_id=vendor_id, title=title,
            variant_title=variant_title, sku=sku, quantity=quantity, unit_price=unit_price, vendor_name=vendor_name,
            vendor_commission_rate=commission_rate, vendor_status=vendor_status, product_status=product_status,
        ))
        if option_id is not None:
            shipping[vendor_id] = ChosenShipping(vendor_id, option_id, option_name, amount)
    first = rows[0]
    return CheckoutCart(
        cart=CartRow(*first[:_CART_COLUMNS]), tax_rate=first[_CART_COLUMNS], display_id=first[_CART_COLUMNS + 1],
        lines=lines, shipping=shipping,
        categories=categories, rules=rules,
    )


def _open_cart(session: Session, cart_id: str, actor: Actor) -> Cart:
    cart = get_cart(session, cart_id, actor, for_update=True)
    if cart.status != CartStatus.open:
        raise Conflict("This cart has been completed; start a new one.")
    return cart


# ---- totals --------------------------------------------------------------------------------------------


def pricing_lines(cart: Cart) -> list[PricingLine]:
    """The lines of a loaded cart, as `price` reads them."""
    return [
        PricingLine(
            id=i.id, variant_id=i.variant_id, product_id=i.variant.product_id, vendor_id=i.variant.product.vendor_id,
            title=i.variant.product.title, variant_title=i.variant.title, sku=i.variant.sku, quantity=i.quantity,
            unit_price=i.unit_price, vendor_name=i.variant.product.vendor.name,
            vendor_commission_rate=i.variant.product.vendor.commission_rate,
            vendor_status=i.variant.product.vendor.status, product_status=i.variant.product.status,
        )
        for i in cart.items
    ]


def chosen_shipping(cart: Cart) -> dict[str, ChosenShipping]:
    return {
        m.vendor_id: ChosenShipping(m.vendor_id, m.shipping_option_id, m.option.name, m.amount)
        for m in cart.shipping_methods
    }


def price(lines: list[PricingLine], shipping: dict[str, ChosenShipping], tax_rate: Decimal) -> list[PricedPart]:
    lines_by_vendor: dict[str, list[PricingLine]] = defaultdict(list)
    for line in lines:
        lines_by_vendor[line.vendor_id].append(line)
    vendor_ids = sorted(lines_by_vendor)
    subtotals = [sum(i.unit_price * i.quantity for i in lines_by_vendor[v]) for v in vendor_ids]
    shipping_totals = [shipping[v].amount if v in shipping else 0 for v in vendor_ids]
    taxable = [s + h for s, h in zip(subtotals, shipping_totals, strict=True)]
    tax_total = money.tax(sum(taxable), tax_rate)
    taxes = money.allocate(tax_total, taxable) if sum(taxable) > 0 else [0] * len(vendor_ids)
    parts = []
    for vendor_id, subtotal, shipping_total, tax in zip(vendor_ids, subtotals, shipping_totals, taxes, strict=True):
        method = shipping.get(vendor_id)
        vendor_lines = lines_by_vendor[vendor_id]
        part = VendorPart(
            vendor_id=vendor_id,
            commission_rate=vendor_lines[0].vendor_commission_rate,
            lines=[
                LineSnapshot(
                    variant_id=i.variant_id,
                    product_id=i.product_id,
                    title=i.title,
                    variant_title=i.variant_title,
                    sku=i.sku,
                    quantity=i.quantity,
                    unit_price=i.unit_price,
                )
                for i in vendor_lines
            ],
            subtotal=subtotal,
            shipping_total=shipping_total,
            tax_total=tax,
            shipping_option_id=method.shipping_option_id if method else None,
            shipping_method_name=method.name if method else None,
        )
        parts.append(PricedPart(part=part, vendor_name=vendor_lines[0].vendor_name))
    return parts


def view(session: Session, cart: Cart) -> CartOut:
    parts = price(pricing_lines(cart), chosen_shipping(cart), cart.region.tax_rate)
    order = orders.order_for_cart(session, cart.id) if cart.status == CartStatus.completed else None
    return CartOut(
        id=cart.id,
        region_id=cart.region_id,
        currency_code=cart.currency_code,
        customer_id=cart.customer_id,
        email=cart.email,
        shipping_address=cart.shipping_address,
        status=CartStatus(cart.status),
        items=[
            CartLineItemOut(
                id=i.id,
                variant_id=i.variant_id,
                product_id=i.variant.product_id,
                vendor_id=i.variant.product.vendor_id,
                title=i.variant.product.title,
                variant_title=i.variant.title,
                sku=i.variant.sku,
                quantity=i.quantity,
                unit_price=i.unit_price,
                subtotal=i.unit_price * i.quantity,
                quote_id=i.quote_id,
            )
            for i in cart.items
        ],
        shipping_methods=[
            CartShippingMethodOut(
                id=m.id, vendor_id=m.vendor_id, shipping_option_id=m.shipping_option_id, name=m.option.name,
                amount=m.amount,
            )
            for m in cart.shipping_methods
        ],
        vendors=[
            VendorTotalsOut(
                vendor_id=p.part.vendor_id,
                vendor_name=p.vendor_name,
                subtotal=p.part.subtotal,
                shipping_total=p.part.shipping_total,
                tax_total=p.part.tax_total,
                total=p.part.total,
            )
            for p in parts
        ],
        subtotal=sum(p.part.subtotal for p in parts),
        shipping_total=sum(p.part.shipping_total for p in parts),
        tax_total=sum(p.part.tax_total for p in parts),
        total=sum(p.part.total for p in parts),
        order_id=order.id if order else None,
        created_at=cart.created_at,
        updated_at=cart.updated_at,
    )


# ---- changing a cart -----------------------------------------------------------------------------------


def _touch(session: Session, cart: Cart) -> Cart:
    cart.updated_at = utcnow()
    session.flush()
    return cart


def create_cart(session: Session, body: CartIn, actor: Actor) -> Cart:
    region = session.get(Region, body.region_id)
    if region is None:
        raise ValidationFailed("Unknown region.", errors=[FieldError(field="region_id", message="No such region.")])
    is_customer = actor.role is Role.customer
    cart = Cart(
        region_id=region.id,
        currency_code=region.currency_code,
        customer_id=actor.id if is_customer else None,
        email=body.email or (actor.email if is_customer else None),
        status=CartStatus.open,
    )
    session.add(cart)
    session.flush()
    session.refresh(cart)
    return cart


def update_cart(session: Session, cart_id: str, body: CartUpdate, actor: Actor) -> Cart:
    cart = _open_cart(session, cart_id, actor)
    if body.email is not None:
        cart.email = body.email
    if body.shipping_address is not None:
        if body.shipping_address.country_code not in cart.region.countries:
            raise ValidationFailed(
                f"The region '{cart.region.name}' does not ship to {body.shipping_address.country_code}.",
                errors=[FieldError(field="shipping_address.country_code", message="not in the cart's region")],
            )
        cart.shipping_address = body.shipping_address.model_dump()
    return _touch(session, cart)


def _sellable_variant(session: Session, cart: Cart, variant_id: str, quantity: int) -> tuple[ProductVariant, int]:
    """The variant and its unit price for a line of `quantity`: the volume tier's, else the list price."""
    variant = catalog.get_variants(session, [variant_id]).get(variant_id)
    if variant is None or not catalog.is_store_visible(variant.product):
        raise ValidationFailed("Unknown variant.", errors=[FieldError(field="variant_id", message="No such variant.")])
    if variant.price_in(cart.currency_code) is None:
        raise ValidationFailed(
            f"This variant is not sold in {cart.currency_code}.",
            errors=[FieldError(field="variant_id", message=f"no price in {cart.currency_code}")],
        )
    unit_price = volume_pricing.unit_price(session, variant, cart.currency_code, quantity)
    assert unit_price is not None
    return variant, unit_price


def _not_quoted(line: CartLineItem) -> None:
    if line.quote_id is not None:
        raise Conflict("This line comes from a quote: its quantity and price are fixed; remove it instead.")


def _check_stock(variant: ProductVariant, quantity: int) -> None:
    available = variant.inventory.available_quantity if variant.inventory else 0
    if quantity > available:
        raise OutOfStock(f"Only {available} of {variant.sku} are available.", available=available)


def add_line(session: Session, cart_id: str, body: LineItemIn, actor: Actor) -> Cart:
    cart = _open_cart(session, cart_id, actor)
    line = next((i for i in cart.items if i.variant_id == body.variant_id), None)
    if line is not None:
        _not_quoted(line)
    quantity = body.quantity + (line.quantity if line else 0)
    if quantity > 10_000:
        raise ValidationFailed("At most 10000 units of one variant per cart.")
    variant, unit_price = _sellable_variant(session, cart, body.variant_id, quantity)
    _check_stock(variant, quantity)
    if line is None:
        cart.items.append(CartLineItem(variant_id=variant.id, quantity=quantity, unit_price=unit_price))
    else:
        line.quantity, line.unit_price = quantity, unit_price
    return _touch(session, cart)


def _line(cart: Cart, line_id: str) -> CartLineItem:
    line = next((i for i in cart.items if i.id == line_id), None)
    if line is None:
        raise NotFound("No such line item in this cart.")
    return line


def update_line(session: Session, cart_id: str, line_id: str, quantity: int, actor: Actor) -> Cart:
    cart = _open_cart(session, cart_id, actor)
    line = _line(cart, line_id)
    _not_quoted(line)
    variant, unit_price = _sellable_variant(session, cart, line.variant_id, quantity)
    _check_stock(variant, quantity)
    line.quantity, line.unit_price = quantity, unit_price
    return _touch(session, cart)


def add_quoted_lines(session: Session, cart: Cart, quote_id: str, lines: list[tuple[ProductVariant, int, int]]) -> Cart:
    """Fill a new cart from an accepted quote: (variant, quantity, quoted unit price) per line."""
    for variant, quantity, unit_price in lines:
        if not catalog.is_store_visible(variant.product):
            raise Conflict(f"{variant.sku} is no longer sold.")
        _check_stock(variant, quantity)
        cart.items.append(
            CartLineItem(variant_id=variant.id, quantity=quantity, unit_price=unit_price, quote_id=quote_id)
        )
    return _touch(session, cart)


def remove_line(session: Session, cart_id: str, line_id: str, actor: Actor) -> Cart:
    cart = _open_cart(session, cart_id, actor)
    line = _line(cart, line_id)
    vendor_id = line.variant.product.vendor_id
    cart.items.remove(line)
    if not any(i.variant.product.vendor_id == vendor_id for i in cart.items):
        cart.shipping_methods = [m for m in cart.shipping_methods if m.vendor_id != vendor_id]
    return _touch(session, cart)


# ---- shipping ------------------------------------------------------------------------------------------


def create_shipping_option(session: Session, body: ShippingOptionIn) -> ShippingOption:
    if session.get(Vendor, body.vendor_id) is None:
        raise ValidationFailed("Unknown vendor.", errors=[FieldError(field="vendor_id", message="No such vendor.")])
    currencies = [p.currency_code for p in body.prices]
    if len(set(currencies)) != len(currencies):
        raise ValidationFailed("One price per currency.", errors=[FieldError(field="prices", message="duplicate")])
    option = ShippingOption(
        vendor_id=body.vendor_id, name=body.name, prices={p.currency_code: p.amount for p in body.prices}
    )
    session.add(option)
    session.flush()
    return option


def list_shipping_options(session: Session, vendor_id: str | None = None) -> list[ShippingOption]:
    statement = select(ShippingOption).order_by(ShippingOption.vendor_id, ShippingOption.name, ShippingOption.id)
    if vendor_id:
        statement = statement.where(ShippingOption.vendor_id == vendor_id)
    return list(session.scalars(statement))


def options_for_cart(session: Session, cart: Cart) -> list[StoreShippingOptionOut]:
    vendor_ids = {i.variant.product.vendor_id for i in cart.items}
    if not vendor_ids:
        return []
    options = session.scalars(
        select(ShippingOption)
        .where(ShippingOption.vendor_id.in_(vendor_ids))
        .order_by(ShippingOption.vendor_id, ShippingOption.name, ShippingOption.id)
    )
    return [
        StoreShippingOptionOut(
            id=o.id, vendor_id=o.vendor_id, name=o.name, currency_code=cart.currency_code,
            amount=o.prices[cart.currency_code],
        )
        for o in options
        if cart.currency_code in o.prices
    ]


def add_shipping_method(session: Session, cart_id: str, option_id: str, actor: Actor) -> Cart:
    cart = _open_cart(session, cart_id, actor)
    option = session.get(ShippingOption, option_id)
    offered = {o.id: o for o in options_for_cart(session, cart)}
    if option is None or option_id not in offered:
        raise ValidationFailed(
            "This shipping option is not offered for this cart.",
            errors=[FieldError(field="option_id", message="not one of GET /store/shipping-options?cart_id=")],
        )
    cart.shipping_methods = [m for m in cart.shipping_methods if m.vendor_id != option.vendor_id]
    session.flush()  # the old method of this vendor goes before the new one takes its place
    cart.shipping_methods.append(
        CartShippingMethod(
            vendor_id=option.vendor_id, shipping_option_id=option.id, amount=offered[option_id].amount, option=option
        )
    )
    return _touch(session, cart)


# ---- checkout ------------------------------------------------------------------------------------------


def _checked_parts(checkout: CheckoutCart) -> list[PricedPart]:
    """The cart's priced parts, once everything an order needs is there."""
    cart = checkout.cart
    errors: list[FieldError] = []
    if not checkout.lines:
        errors.append(FieldError(field="items", message="The cart is empty."))
    if not cart.email:
        errors.append(FieldError(field="email", message="An email is needed to place the order."))
    if not cart.shipping_address:
        errors.append(FieldError(field="shipping_address", message="A shipping address is needed."))
    chosen = set(checkout.shipping)
    for line in checkout.lines:
        if line.vendor_status != VendorStatus.approved:
            errors.append(FieldError(field=f"items.{line.id}", message="The vendor of this product may not sell."))
        elif not catalog.sold_in_store(line.product_status, line.vendor_status):
            errors.append(FieldError(field=f"items.{line.id}", message="This product is no longer sold."))
        if line.vendor_id not in chosen:
            errors.append(
                FieldError(field="shipping_methods", message=f"Choose shipping for vendor {line.vendor_id}.")
            )
            chosen.add(line.vendor_id)
    if errors:
        raise ValidationFailed("The cart cannot be completed yet.", errors=errors)
    return price(checkout.lines, checkout.shipping, checkout.tax_rate)


def _place(
    session: Session, provider: PaymentProvider, checkout: CheckoutCart, parts: list[PricedPart],
    payment_method: str | None, company_id: str | None, at: datetime,
) -> OrderOut:
    cart = checkout.cart
    assert cart.email is not None and cart.shipping_address is not None and checkout.display_id is not None
    closed = {"id": cart.id, "status": CartStatus.completed, "completed_at": utcnow()}
    return orders.place(
        session,
        provider,
        changes=[(Cart, [closed])],
        cart_id=cart.id,
        customer_id=cart.customer_id,
        email=cart.email,
        region_id=cart.region_id,
        currency_code=cart.currency_code,
        tax_rate=checkout.tax_rate,
        shipping_address=cart.shipping_address,
        parts=[p.part for p in parts],
        categories=checkout.categories,
        payment_method=payment_method,
        company_id=company_id,
        display_id=checkout.display_id,
        at=at,
        rules=checkout.rules,
    )


def complete(
    session: Session, provider: PaymentProvider, cart_id: str, actor: Actor, payment_method: str | None
) -> OrderOut | CompanyApproval:
    """Place the order: stock reserved, payment authorised, cart closed, in the caller's transaction.
    Completing a completed cart returns its order again. An order on a company's account that needs an
    approver returns the (pending) approval request instead, and the cart stays open."""
    use_generic_plans(session)  # every statement of a checkout finds its rows by key
    sold_at = utcnow()  # the one instant of the sale: the commission terms in force then price it
    checkout = _checkout_cart(session, cart_id, sold_at)
    cart = _visible(checkout.cart if checkout else None, actor)
    assert checkout is not None
    if cart.status == CartStatus.completed:
        existing = orders.order_for_cart(session, cart.id)
        assert existing is not None
        return orders.view(existing)
    parts = _checked_parts(checkout)
    company = companies.buying_company(session, actor)
    if company is not None:
        pending = companies.pending_approval(session, cart.id)
        if pending is not None:
            return pending
        total = sum(p.part.total for p in parts)
        reasons = companies.approval_reasons(session, company, actor, total, cart.currency_code)
        if reasons:
            return companies.request_approval(
                session, company, actor, cart.id, total, cart.currency_code, reasons, payment_method
            )
    return _place(session, provider, checkout, parts, payment_method, company.id if company else None, sold_at)


def complete_approved(
    session: Session, provider: PaymentProvider, actor: Actor, approval_id: str, note: str | None,
    *, platform: bool = False,
) -> CompanyApproval:
    """An approver (or, over the credit limit, the platform) approves a company order: it is placed through the
    same checkout as any other, the credit re-checked under the company row lock (`companies.decide`)."""
    use_generic_plans(session)
    approval = companies.decide(session, actor, approval_id, ApprovalStatus.approved, note, platform=platform)
    sold_at = utcnow()
    checkout = _checkout_cart(session, approval.cart_id, sold_at)
    if checkout is None or checkout.cart.status != CartStatus.open:
        raise Conflict("The cart of this request is no longer open.")
    parts = _checked_parts(checkout)
    if sum(p.part.total for p in parts) != approval.amount:
        raise Conflict("The cart changed since the request; the buyer must complete it again.")
    order = _place(session, provider, checkout, parts, approval.payment_method, approval.company_id, sold_at)
    approval.order_id = order.id
    session.flush()
    return approval
