"""Marketplace and B2B demo data, called from `api.commerce_seed`: commission rules (before any order is
placed, so every seeded order gets its commission lines at placement), then volume tiers, companies with
employees, quotes in every state, company order approvals and payouts in every state. Idempotent through
the commerce seed's own check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.models import Role, User
from api.carts import service as carts
from api.carts.schemas import CartIn, CartUpdate, LineItemIn
from api.catalog.models import Product, ProductVariant
from api.clock import utcnow
from api.commissions import service as commissions
from api.commissions.schemas import RuleIn
from api.companies import service as companies
from api.companies.models import CompanyApproval, CompanyRole, CompanyStatus
from api.companies.schemas import CompanyAdminUpdate, CompanyRegisterIn, EmployeeIn
from api.customers.schemas import AddressIn
from api.orders.models import Order
from api.payouts import balance as balances
from api.payouts import service as payouts
from api.quotes import service as quotes
from api.quotes.models import Quote, QuoteStatus
from api.quotes.schemas import QuotedPriceIn, QuoteIn, QuoteItemIn, QuoteResponseIn
from api.regions.models import Region
from api.vendors.models import Vendor, VendorStatus
from api.volume_pricing import service as volume_pricing
from api.volume_pricing.schemas import TierIn
from connectors.payments import ManualProvider
from connectors.payouts import ManualPayoutProvider, StripeConnectProvider

PASSWORD = "demo-password-123"
ADDRESS = AddressIn(first_name="Ada", last_name="Lovelace", address_1="1 Analytical Street", city="Berlin",
                    postal_code="10115", country_code="DE")


def seed_rules(session: Session) -> None:
    """Platform default 10%, the first vendor at 8%, the furniture category at 12% (+0.30 EUR per line)."""
    since = utcnow() - timedelta(days=365)
    commissions.create_rule(session, RuleIn(name="Platform default", scope="platform", rate=Decimal("0.1000"),
                                            valid_from=since))
    # An approved vendor, chosen by slug: the seed's vendors share one creation time.
    first = session.scalar(
        select(Vendor).where(Vendor.status == VendorStatus.approved).order_by(Vendor.slug).limit(1)
    )
    assert first is not None
    commissions.create_rule(session, RuleIn(name=f"{first.name} contract", scope="vendor", vendor_id=first.id,
                                            rate=Decimal("0.0800"), valid_from=since))
    commissions.create_rule(session, RuleIn.model_validate({
        "name": "Furniture", "scope": "category", "category_id": "cat_furniture", "rate": "0.1200",
        "fixed_fees": [{"currency_code": "EUR", "amount": 30}], "valid_from": since}))


def _actor_of(session: Session, user_id: str) -> auth_service.Actor:
    user = session.get(User, user_id)
    assert user is not None
    return auth_service.actor_for_user(user)


def _company_cart(session: Session, user_id: str, region: Region, variant: ProductVariant, quantity: int) -> str:
    actor = _actor_of(session, user_id)
    cart = carts.create_cart(session, CartIn(region_id=region.id, email=actor.email), actor)
    carts.update_cart(session, cart.id, CartUpdate(shipping_address=ADDRESS), actor)
    carts.add_line(session, cart.id, LineItemIn(variant_id=variant.id, quantity=quantity), actor)
    for option in carts.options_for_cart(session, cart)[:1]:
        carts.add_shipping_method(session, cart.id, option.id, actor)
    return cart.id


def is_seeded(session: Session) -> bool:
    """Whether `seed_b2b` ran (it runs in one transaction: all of it or nothing)."""
    return session.scalar(select(User.id).where(User.email == "acme-admin@example.com")) is not None


def seed_b2b(session: Session, echo: Callable[[str], None]) -> None:
    region = session.scalar(select(Region).where(Region.currency_code == "EUR"))
    assert region is not None
    variants = list(session.scalars(
        select(ProductVariant).join(Product).join(Vendor).where(Vendor.status == VendorStatus.approved)
        .order_by(ProductVariant.sku)))
    for variant in variants[::4]:
        price = variant.price_in("EUR") or 0
        volume_pricing.create_tier(session, TierIn(variant_id=variant.id, currency_code="EUR", min_quantity=10,
                                                   max_quantity=49, unit_price=price * 9 // 10), select(ProductVariant))
        volume_pricing.create_tier(session, TierIn(variant_id=variant.id, currency_code="EUR", min_quantity=50,
                                                   unit_price=price * 8 // 10), select(ProductVariant))

    # Companies: Acme (approved, with a buyer and an approver) and one waiting for approval.
    made: dict[str, str] = {}
    for key, name, approve in (("acme", "Acme Industrial GmbH", True), ("globex", "Globex Trading BV", False)):
        founder = auth_service.create_user(session, email=f"{key}-admin@example.com", password=PASSWORD,
                                           role=Role.customer, full_name=f"{name} Admin")
        company = companies.register(session, auth_service.actor_for_user(founder), CompanyRegisterIn(
            name=name, tax_id=f"EU{len(made) + 1:09d}", billing_address=ADDRESS, currency_code="EUR"))
        made[key] = founder.id
        if approve:
            companies.change_status(session, company.id, CompanyStatus.approved)
            companies.update_company(session, company.id, CompanyAdminUpdate(credit_limit=5_000_000))
    acme_admin = _actor_of(session, made["acme"])
    buyer = companies.add_employee(session, acme_admin, EmployeeIn(
        email="acme-buyer@example.com", password=PASSWORD, full_name="Bea Buyer", role=CompanyRole.buyer,
        spending_limit=20_000))
    approver = companies.add_employee(session, acme_admin, EmployeeIn(
        email="acme-approver@example.com", password=PASSWORD, full_name="Abe Approver", role=CompanyRole.approver))

    # Company orders: one within the buyer's limit, two over it (one approved, one still pending).
    provider = ManualProvider()
    variant = variants[0]
    carts.complete(session, provider, _company_cart(session, buyer.user_id, region, variant, 1),
                   _actor_of(session, buyer.user_id), None)
    for quantity in (12, 15):
        result = carts.complete(session, provider, _company_cart(session, buyer.user_id, region, variant, quantity),
                                _actor_of(session, buyer.user_id), None)
        assert isinstance(result, CompanyApproval)
        if quantity == 12:
            carts.complete_approved(session, provider, _actor_of(session, approver.user_id), result.id, "approved")

    # Quotes in every state.
    buyer_actor = _actor_of(session, buyer.user_id)
    for n, state in enumerate(QuoteStatus):
        quote = quotes.request_quote(session, buyer_actor, QuoteIn(
            region_id=region.id, message=f"Demo quote ({state.value})",
            items=[QuoteItemIn(variant_id=variants[n + 1].id, quantity=20 + n)]))
        if state == QuoteStatus.requested:
            continue
        quotes.respond(session, quote, QuoteResponseIn(
            items=[QuotedPriceIn(item_id=i.id, unit_price=(i.variant.price_in("EUR") or 0) * 85 // 100)
                   for i in quote.items],
            expires_at=utcnow() + timedelta(days=14), message="Our best price"), None)
        if state == QuoteStatus.accepted:
            quotes.accept(session, quote, buyer_actor)
        elif state == QuoteStatus.rejected:
            quotes.reject(session, quote)
        elif state == QuoteStatus.expired:
            session.execute(update(Quote).where(Quote.id == quote.id).values(expires_at=utcnow()))
            quotes.get_quote(session, quotes.all_quotes(), quote.id)

    # Payouts in every state, from what vendors may be paid (captured money of approved commission runs: none
    # until finance approves the first runs, so a fresh demo has no payouts).
    sellers = list(session.scalars(select(Vendor).where(Vendor.status == VendorStatus.approved).order_by(Vendor.slug)))
    for vendor, outcome in zip(sellers, ("paid", "requested", "rejected", "failed"), strict=False):
        available = balances.balance(session, vendor.id, "EUR").available
        if available < 2:
            continue
        payout = payouts.create_payout(session, vendor.id, available // 2, "EUR", minimum_amount=0)
        if outcome == "paid":
            payouts.approve(session, ManualPayoutProvider(), payout.id, None)
        elif outcome == "rejected":
            payouts.reject(session, payout.id, None, "Bank details missing")
        elif outcome == "failed":  # no Connect account yet: refused before any call to Stripe
            payouts.approve(session, StripeConnectProvider("sk_demo_unused"), payout.id, None)
    company_orders = session.scalars(select(Order.id).where(Order.company_id.is_not(None))).all()
    echo(f"b2b: 2 companies, {len(company_orders)} company orders, {len(QuoteStatus)} quotes, payouts")
    vendor_logins = session.scalars(select(User.email).where(User.role == Role.vendor).order_by(User.email)).all()
    echo(f"vendor logins (password {PASSWORD}): {', '.join(vendor_logins)}")
    echo(f"company logins: acme-admin@example.com, {buyer.email}, {approver.email}, globex-admin@example.com")
