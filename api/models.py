"""Every table, imported in one place so that each domain's metadata is complete (Alembic, tests)."""

from api.audit.models import AuditEntry
from api.auth.models import ApiKey, AuthToken, User
from api.carts.models import Cart, CartLineItem, CartShippingMethod, ShippingOption
from api.catalog.models import (
    Product,
    ProductCategory,
    ProductImage,
    ProductOption,
    ProductVariant,
    VariantPrice,
)
from api.commission_runs.models import CommissionRun, PayoutBatch
from api.commissions.models import CommissionLine, CommissionRule
from api.companies.models import Company, CompanyApproval, CompanyEmployee
from api.content.blogs.models import BlogPost
from api.content.categories.models import Category
from api.content.media.models import Media
from api.content.navigation.models import NavigationMenu
from api.content.orders.models import OrderRecord
from api.content.pages.models import Page, PageVersion
from api.content.products.models import ProductContent
from api.content.tenants.models import Tenant
from api.customers.models import Address
from api.db import CommerceBase, ContentBase
from api.idempotency.models import IdempotencyRecord
from api.inventory.models import InventoryLevel, Reservation
from api.notifications.models import Notification, NotificationOptOut, NotifierCursor, UserToken
from api.orders.models import Order, OrderLineItem, VendorOrder
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent
from api.payments.models import Payment, Refund, StripeWebhookEvent
from api.payouts.models import Payout
from api.quotes.models import Quote, QuoteItem
from api.regions.models import Region
from api.sync.models import (
    CommerceReceivedEvent,
    CommerceSyncCursor,
    ContentLink,
    ContentReceivedEvent,
    ContentSyncCursor,
)
from api.vendors.models import Vendor
from api.volume_pricing.models import VolumeTier
from api.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "Address",
    "ApiKey",
    "AuditEntry",
    "AuthToken",
    "BlogPost",
    "Cart",
    "CartLineItem",
    "CartShippingMethod",
    "Category",
    "CommerceBase",
    "CommerceOutboxEvent",
    "CommerceReceivedEvent",
    "CommerceSyncCursor",
    "CommissionLine",
    "CommissionRule",
    "CommissionRun",
    "Company",
    "CompanyApproval",
    "CompanyEmployee",
    "ContentBase",
    "ContentLink",
    "ContentOutboxEvent",
    "ContentReceivedEvent",
    "ContentSyncCursor",
    "IdempotencyRecord",
    "InventoryLevel",
    "Media",
    "NavigationMenu",
    "Notification",
    "NotificationOptOut",
    "NotifierCursor",
    "Order",
    "OrderLineItem",
    "OrderRecord",
    "Page",
    "PageVersion",
    "Payment",
    "Payout",
    "PayoutBatch",
    "Product",
    "ProductCategory",
    "ProductContent",
    "ProductImage",
    "ProductOption",
    "ProductVariant",
    "Quote",
    "QuoteItem",
    "Refund",
    "Region",
    "Reservation",
    "ShippingOption",
    "StripeWebhookEvent",
    "Tenant",
    "User",
    "UserToken",
    "VariantPrice",
    "Vendor",
    "VendorOrder",
    "VolumeTier",
    "WebhookDelivery",
    "WebhookSubscription",
]
