"""The registry: every collection of the Payload-style API, by its URL name."""

from __future__ import annotations

from api.content.blogs.collection import COLLECTION as BLOGS
from api.content.categories.collection import COLLECTION as CATEGORIES
from api.content.media.collection import COLLECTION as MEDIA
from api.content.navigation.collection import COLLECTION as NAVIGATION
from api.content.orders.collection import COLLECTION as ORDERS
from api.content.pages.collection import COLLECTION as PAGES
from api.content.products.collection import COLLECTION as PRODUCTS
from api.content.spec import Collection
from api.content.tenants.collection import COLLECTION as TENANTS

COLLECTIONS: dict[str, Collection] = {
    c.slug: c for c in (TENANTS, PAGES, BLOGS, MEDIA, NAVIGATION, CATEGORIES, PRODUCTS, ORDERS)
}
