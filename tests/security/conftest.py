"""Security fixtures: the commerce, B2B and content worlds of the other test packages, reused as they are."""

from tests.b2b.conftest import customer_headers, market, shop, store_headers
from tests.content.conftest import make_tenant, tenant_a, tenant_b

__all__ = ["customer_headers", "make_tenant", "market", "shop", "store_headers", "tenant_a", "tenant_b"]
