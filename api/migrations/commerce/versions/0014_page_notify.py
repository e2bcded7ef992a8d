"""page notify: the tables the signed-in dashboards read also move the commerce store's version

The vendor and company dashboards, the console and the finance pages keep their reads between requests while
the commerce store's version stands (api/web/reads.py), and a browser's session is kept while its token and user
have not changed (api/web/auth.py). So every table those reads depend on raises the same store-change
notification as the catalog tables (0007_cache_notify, 0012_cache_publish): logins, users, orders and their
payments, the commission ledger and runs, payouts, companies, their employees and approvals, quotes.

Left out on purpose: carts (a shopper's every click; no kept read depends on one), and bookkeeping that changes
while nothing a reader sees does (idempotency keys, cursors, received events, notifications, the audit log).

Revision ID: 0014_page_notify
Revises: 0013_read_indexes
Create Date: 2026-11-29 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_page_notify"
down_revision: str | None = "0013_read_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE_TABLES = (
    "users",
    "auth_tokens",
    "orders",
    "vendor_orders",
    "order_line_items",
    "payments",
    "refunds",
    "commission_rules",
    "commission_runs",
    "commission_lines",
    "payouts",
    "payout_batches",
    "payout_batch_runs",
    "companies",
    "company_employees",
    "company_approvals",
    "quotes",
    "quote_items",
)


def upgrade() -> None:
    for table in PAGE_TABLES:
        op.execute(
            f"CREATE TRIGGER notify_store_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON commerce.{table} FOR EACH STATEMENT EXECUTE FUNCTION commerce.notify_store_change()"
        )


def downgrade() -> None:
    for table in PAGE_TABLES:
        op.execute(f"DROP TRIGGER notify_store_change ON commerce.{table}")
