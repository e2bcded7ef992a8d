"""Data generator for the commission benchmark: N order lines (default 1,000,000) in the commerce store of
a database of its own, spread over D UTC days, with vendors, products in categories, commission rules of
every scope, and the commission ledger recorded for every line (as checkout would record it).

    .venv/bin/python bench/generate.py                     # 1,000,000 lines in database marketplace_bench
    .venv/bin/python bench/generate.py --lines 100000 --days 10 --database marketplace_bench_small

Everything is set-based SQL (`generate_series`), so a million lines take well under a minute. The
database is dropped and recreated, then migrated like any other store."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import migrate
from api.db import DatabaseUrls, libpq_url, sqlalchemy_url
from assets.commissions.engine import sale_lines_sql

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
VENDORS = 50
PRODUCTS_PER_VENDOR = 40
CATEGORIES = 12


def database_url(server_url: str, name: str) -> str:
    return make_url(sqlalchemy_url(server_url)).set(database=name).render_as_string(hide_password=False)


def recreate(server_url: str, name: str) -> str:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(server_url, name)
    migrate.upgrade(DatabaseUrls(commerce=url, content=url))
    return url


def generate(url: str, lines: int, days: int, echo: bool = True) -> None:
    orders = max(1, lines // 3)  # one vendor order of 1-5 lines (3 on average) per order
    steps = [
        ("regions", """
            INSERT INTO commerce.regions (id, name, currency_code, tax_rate, countries)
            VALUES ('reg_eu', 'Europe', 'EUR', 0.2000, ARRAY['DE','FR']), ('reg_us', 'US', 'USD', 0.0725, ARRAY['US'])
        """),
        ("vendors", f"""
            INSERT INTO commerce.vendors (id, name, slug, email, status, commission_rate, default_currency, version)
            SELECT 'vend_b' || v, 'Vendor ' || v, 'vendor-' || v, 'v' || v || '@bench.example.com', 'approved',
                   (ARRAY[0.1000, 0.1200, 0.1500])[1 + v % 3], 'EUR', 1
            FROM generate_series(1, {VENDORS}) AS v
        """),
        ("products", f"""
            INSERT INTO commerce.products (id, vendor_id, title, handle, status, version)
            SELECT 'prod_b' || p, 'vend_b' || (1 + (p - 1) / {PRODUCTS_PER_VENDOR}), 'Product ' || p, 'product-' || p,
                   'published', 1
            FROM generate_series(1, {VENDORS * PRODUCTS_PER_VENDOR}) AS p
        """),
        ("product categories", f"""
            INSERT INTO commerce.product_categories (product_id, category_id)
            SELECT 'prod_b' || p, 'cat_b' || (1 + p % {CATEGORIES})
            FROM generate_series(1, {VENDORS * PRODUCTS_PER_VENDOR}) AS p WHERE p % 3 = 0
        """),
        ("commission rules", f"""
            INSERT INTO commerce.commission_rules (id, name, scope, vendor_id, category_id, rate, fixed_fees, priority,
                                                   valid_from, valid_to)
            SELECT 'crule_platform', 'Platform default', 'platform', NULL, NULL, 0.1000, '{{}}'::jsonb, 0,
                   now() - interval '{days + 400} days', NULL::timestamptz
            UNION ALL
            SELECT 'crule_v' || v, 'Vendor ' || v, 'vendor', 'vend_b' || v, NULL, 0.0800 + v * 0.0010,
                   jsonb_build_object('EUR', 25, 'USD', 30), 0, now() - interval '{days + 400} days', NULL
            FROM generate_series(1, {VENDORS}, 5) AS v
            UNION ALL
            SELECT 'crule_c' || c, 'Category ' || c, 'category', NULL, 'cat_b' || c, 0.0500 + c * 0.0075,
                   '{{}}'::jsonb, c % 3, now() - interval '{days + 400} days', NULL
            FROM generate_series(1, {CATEGORIES}, 2) AS c
            UNION ALL  -- a rate change in the middle of the period: the rule in force at order time counts
            SELECT 'crule_c2_old', 'Category 2 (old)', 'category', NULL, 'cat_b2', 0.1100, '{{}}'::jsonb, 0,
                   now() - interval '{days + 400} days', now() - interval '{max(1, days // 2)} days'
            UNION ALL
            SELECT 'crule_c2_new', 'Category 2', 'category', NULL, 'cat_b2', 0.0900, '{{}}'::jsonb, 0,
                   now() - interval '{max(1, days // 2)} days', NULL
        """),
        ("carts", f"""
            INSERT INTO commerce.carts (id, region_id, currency_code, email, status, completed_at, created_at,
                                        updated_at)
            SELECT 'cart_b' || o, CASE WHEN o % 4 = 0 THEN 'reg_us' ELSE 'reg_eu' END,
                   CASE WHEN o % 4 = 0 THEN 'USD' ELSE 'EUR' END, 'buyer' || (o % 997) || '@bench.example.com',
                   'completed', now(), now(), now()
            FROM generate_series(1, {orders}) AS o
        """),
        ("line shape", f"""
            CREATE TEMP TABLE bench_lines AS
            SELECT o, n, 'prod_b' || (1 + ((o * 7 + n * 13) % {PRODUCTS_PER_VENDOR})
                                      + {PRODUCTS_PER_VENDOR} * (o % {VENDORS})) AS product_id,
                   1 + (o + n) % 4 AS quantity, 500 + ((o * 31 + n * 17) % 200) * 100 + n AS unit_price
            FROM generate_series(1, {orders}) AS o
            CROSS JOIN LATERAL generate_series(1, 1 + (o % 5)) AS n
            WHERE (o - 1) * 3 + n <= {lines} OR n <= 1
        """),
        ("orders", f"""
            INSERT INTO commerce.orders (id, display_id, cart_id, email, region_id, currency_code, tax_rate, status,
                                         payment_status, fulfillment_status, subtotal, shipping_total, tax_total, total,
                                         shipping_address, version, created_at, updated_at)
            SELECT 'order_b' || s.o, s.o, 'cart_b' || s.o, 'buyer@bench.example.com',
                   CASE WHEN s.o % 4 = 0 THEN 'reg_us' ELSE 'reg_eu' END,
                   CASE WHEN s.o % 4 = 0 THEN 'USD' ELSE 'EUR' END,
                   0.2000, 'completed', 'captured', 'fulfilled', s.subtotal, 490, (s.subtotal + 490) / 5,
                   s.subtotal + 490 + (s.subtotal + 490) / 5, '{{}}'::jsonb, 1, s.at, s.at
            FROM (SELECT o, sum(quantity * unit_price) AS subtotal,
                         (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') - interval '{days} days'
                             + ((o - 1)::float / {orders} * {days * 86400}) * interval '1 second' AS at
                  FROM bench_lines GROUP BY o) AS s
        """),
        ("vendor orders", f"""
            INSERT INTO commerce.vendor_orders (id, order_id, vendor_id, status, subtotal, shipping_total, tax_total,
                                                total, captured_total, refunded_total, commission_rate, created_at,
                                                updated_at)
            SELECT 'vo_b' || substr(o.id, 8), o.id, 'vend_b' || (1 + (o.display_id % {VENDORS})), 'fulfilled',
                   o.subtotal,
                   o.shipping_total, o.tax_total, o.total, o.total, 0, 0.1000, o.created_at, o.created_at
            FROM commerce.orders AS o
        """),
        ("order lines", """
            INSERT INTO commerce.order_line_items (id, vendor_order_id, product_id, title, variant_title, sku, quantity,
                                                   unit_price, subtotal)
            SELECT 'oli_b' || o || '_' || n, 'vo_b' || o, product_id, 'Product', 'Default', 'SKU-' || o || '-' || n,
                   quantity, unit_price, quantity * unit_price
            FROM bench_lines
        """),
        # As checkout records them: first each sale line with the product's approved categories (the terms the
        # commission engine reads back), then its amounts, priced by the engine's own SQL over those categories.
        ("sale lines: categories", """
            INSERT INTO commerce.commission_lines (id, type, vendor_id, order_id, vendor_order_id, order_line_item_id,
                                                   currency_code, gross_amount, base_amount, rate, fixed_fee,
                                                   commission_amount, vendor_amount, categories, created_at)
            SELECT 'cline_' || l.id, 'sale', vo.vendor_id, vo.order_id, vo.id, l.id, o.currency_code, 0, 0, 0, 0, 0,
                   0, coalesce((SELECT array_agg(pc.category_id ORDER BY pc.category_id)
                                FROM commerce.product_categories AS pc
                                WHERE pc.product_id = l.product_id AND pc.approved), '{}'), o.created_at
            FROM commerce.order_line_items AS l
            JOIN commerce.vendor_orders AS vo ON vo.id = l.vendor_order_id
            JOIN commerce.orders AS o ON o.id = vo.order_id
        """),
        ("sale lines: amounts", f"""
            UPDATE commerce.commission_lines AS cl
            SET rule_id = s.rule_id, gross_amount = s.gross_amount, base_amount = s.base_amount, rate = s.rate,
                fixed_fee = s.fixed_fee, commission_amount = s.commission_amount, vendor_amount = s.vendor_amount
            FROM ({sale_lines_sql("true")}) AS s
            WHERE cl.order_line_item_id = s.order_line_id AND cl.type = 'sale'
        """),
        ("analyze", "ANALYZE"),
    ]
    with psycopg.connect(libpq_url(url)) as conn:
        for name, sql in steps:
            started = time.perf_counter()
            conn.execute(sql)
            if echo:
                print(f"  {name:<28} {time.perf_counter() - started:6.1f} s", flush=True)
        conn.commit()
        count = conn.execute("SELECT count(*) FROM commerce.order_line_items").fetchone()
    if echo:
        print(f"  {count[0] if count else 0:,} order lines over {days} days")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database", default="marketplace_bench", help="recreated on the server")
    parser.add_argument("--server-url", default=SERVER_URL)
    args = parser.parse_args()
    started = time.perf_counter()
    url = recreate(args.server_url, args.database)
    print(f"generating {args.lines:,} order lines in {args.database} ...")
    generate(url, args.lines, args.days)
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
