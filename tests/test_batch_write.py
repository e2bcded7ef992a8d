"""`api.batch_write.write_pending`: a session's new objects, and new plain rows, written in one statement, as a flush
would."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Table, inspect, select, text
from sqlalchemy.orm import Session

from api.batch_write import _statement, new_row, write_pending
from api.catalog.models import Product, ProductVariant, VariantPrice
from api.db import Database, Domain
from api.outbox.models import CommerceOutboxEvent
from api.vendors.models import Vendor
from tests.conftest import commerce_statements


def _vendor(session: Session) -> Vendor:
    vendor = Vendor(name="Batch", slug="batch", email="b@example.com", commission_rate=Decimal("0.1"),
                    default_currency="EUR")
    session.add(vendor)
    return vendor


def test_new_objects_go_in_one_statement_and_stay_in_the_session(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        session.flush()
        variant = ProductVariant(title="One", sku="BATCH-1", prices=[VariantPrice(currency_code="EUR", amount=990)])
        product = Product(id="prod_batch", vendor=vendor, title="Batch", handle="batch", variants=[variant])
        session.add(product)
        session.add(CommerceOutboxEvent(topic="test.batch", entity_type="product", entity_id=product.id,
                                        payload={"amount": Decimal("9.90")}))
        with commerce_statements(owner_database) as seen:
            write_pending(session)
            session.flush()  # nothing is left to write
        assert len(seen) == 1, seen

        assert not session.new and not session.dirty
        assert product in session and variant in session and variant.prices[0] in session
        # Foreign keys from the relationships, Python defaults on the objects, the first table's server values.
        assert variant.product_id == product.id and variant.prices[0].variant_id == variant.id
        assert product.vendor_id == vendor.id
        assert product.status == "draft" and product.version == 1 and variant.options == {}
        assert product.created_at is not None and "created_at" in product.__dict__
        # The other tables' server values load when read.
        assert variant.created_at == session.scalar(select(ProductVariant.created_at).where(
            ProductVariant.id == variant.id))
        # An object whose key the server makes is written but not kept.
        event = session.scalars(select(CommerceOutboxEvent).where(CommerceOutboxEvent.topic == "test.batch")).one()
        assert event.entity_id == product.id and event.payload == {"amount": "9.90"}
        stored = session.execute(
            select(Product.handle, ProductVariant.sku, VariantPrice.amount)
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .join(VariantPrice, VariantPrice.variant_id == ProductVariant.id)
        ).all()
        assert stored == [("batch", "BATCH-1", 990)]
        session.rollback()


def test_changes_go_in_the_same_statement(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        session.flush()
        before = session.scalar(select(Vendor.updated_at).where(Vendor.id == vendor.id))
        vendor.name = "Batch renamed"
        session.add(Product(id="prod_batch", vendor_id=vendor.id, title="Batch", handle="batch"))
        with commerce_statements(owner_database) as seen:
            write_pending(session)
            session.flush()
        assert len(seen) == 1, seen
        assert not session.dirty and not session.new
        row = session.execute(select(Vendor.name, Vendor.updated_at).where(Vendor.id == vendor.id)).one()
        assert row.name == "Batch renamed"
        # `onupdate` ran in the database, and the object reads it back when asked.
        assert "updated_at" not in vendor.__dict__ and vendor.updated_at == row.updated_at
        assert row.updated_at >= before
        session.rollback()


def test_a_rollback_forgets_the_new_objects_as_after_a_flush(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        write_pending(session)
        assert inspect(vendor).persistent
        session.rollback()
        assert inspect(vendor).transient


def test_what_only_a_flush_writes_goes_through_a_flush(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        session.flush()
        product = Product(id="prod_batch", vendor_id=vendor.id, title="Batch", handle="batch")
        session.add(product)
        session.flush()
        session.delete(product)
        session.add(Product(id="prod_other", vendor_id=vendor.id, title="Other", handle="other"))
        write_pending(session)
        assert not session.new and not session.deleted
        assert session.scalars(select(Product.id)).all() == ["prod_other"]
        session.rollback()


def test_nothing_new_writes_nothing(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session, commerce_statements(owner_database) as seen:
        write_pending(session)
    assert seen == []


def test_plain_rows_go_in_the_same_statement_with_the_python_defaults_and_return_what_is_asked(
    owner_database: Database,
) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        session.flush()
        vendor.name = "Batch renamed"
        product = new_row(Product, vendor_id=vendor.id, title="Rows", handle="rows")
        variant = new_row(ProductVariant, product_id=product["id"], title="One", sku="ROWS-1")
        # Python defaults are set at once (a new id, the status, empty options); server defaults are left out.
        assert product["id"].startswith("prod_") and product["status"] == "draft" and variant["options"] == {}
        assert "created_at" not in product
        event = new_row(CommerceOutboxEvent, topic="test.rows", entity_type="product", entity_id=product["id"],
                        payload={"amount": Decimal("9.90")})
        with commerce_statements(owner_database) as seen:
            returned = write_pending(session, [(Product, [product]), (ProductVariant, [variant]),
                                               (CommerceOutboxEvent, [event])], returning=("id", "created_at"))
        assert len(seen) == 1, seen
        # The first model's rows, with what the server made for them.
        [made] = returned
        product_id = made.id
        assert product_id == product["id"] and made.created_at is not None
        # The session's change went in the same statement; the rows were never objects of the session.
        assert not session.dirty and not session.new
        assert session.scalar(select(Vendor.name).where(Vendor.id == vendor.id)) == "Batch renamed"
        stored = session.execute(select(Product.status, ProductVariant.sku).join(
            ProductVariant, ProductVariant.product_id == Product.id).where(Product.id == product_id)).all()
        assert stored == [("draft", "ROWS-1")]
        assert session.scalar(select(CommerceOutboxEvent.payload).where(
            CommerceOutboxEvent.id == event["id"])) == {"amount": "9.90"}
        session.rollback()


def test_plain_changes_go_in_the_same_statement_with_their_onupdate_columns(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor, other = _vendor(session), Vendor(name="Other", slug="other", email="o@example.com",
                                                 commission_rate=Decimal("0.1"), default_currency="EUR")
        session.add(other)
        session.flush()
        before = session.scalar(select(Vendor.updated_at).where(Vendor.id == vendor.id))
        session.expunge_all()  # the rows are changed by key, not through objects of the session
        product = new_row(Product, vendor_id=vendor.id, title="Rows", handle="rows")
        with commerce_statements(owner_database) as seen:
            [(product_id,)] = write_pending(session, [(Product, [product])], returning=("id",),
                                            changes=[(Vendor, [{"id": vendor.id, "name": "Renamed by key"}])])
        assert len(seen) == 1, seen
        assert product_id == product["id"]
        stored = dict(session.execute(select(Vendor.slug, Vendor.name)).tuples().all())
        assert stored == {"batch": "Renamed by key", "other": "Other"}  # only the row of that key changed
        assert "updated_at = now()" in seen[0]  # the column's `onupdate`, set by the same statement
        after = session.scalar(select(Vendor.updated_at).where(Vendor.id == vendor.id))
        assert before is not None and after is not None and after >= before
        session.rollback()


def test_a_change_finds_its_rows_by_key_in_a_plan_made_for_any_number_of_rows(owner_database: Database) -> None:
    # A table of a few thousand rows: there, joined to the rows' function alone (estimated at 100 rows), a generic
    # plan scanned the whole table for each change.
    statement = _statement((("update", cast(Table, Vendor.__table__), ("id", "name")),), ())
    with owner_database.transaction(Domain.commerce) as session:
        session.execute(text(
            "INSERT INTO commerce.vendors (id, name, slug, email, commission_rate, default_currency, status, version) "
            "SELECT 'ven_plan_' || n, 'V' || n, 'plan-' || n, 'v@example.com', 0.1, 'EUR', 'approved', 1 "
            "FROM generate_series(1, 3000) AS n"
        ))
        session.execute(text("ANALYZE commerce.vendors"))
        session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        session.execute(text(f"PREPARE change_by_key(jsonb) AS {statement.replace('%(rows_0)s', '$1')}"))
        plan = "\n".join(session.execute(text(
            """EXPLAIN EXECUTE change_by_key('[{"id": "ven_plan_7", "name": "Renamed"}]')""")).scalars())
        session.execute(text("DEALLOCATE change_by_key"))
        assert "Seq Scan on vendors" not in plan and "pk_vendors" in plan, plan
        session.rollback()


def test_plain_rows_after_what_only_a_flush_writes_still_go(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        vendor = _vendor(session)
        session.flush()
        session.delete(vendor)  # only a flush deletes
        other = new_row(Vendor, name="Other", slug="other", email="o@example.com", commission_rate=Decimal("0.1"),
                        default_currency="EUR")
        assert write_pending(session, [(Vendor, [other])], returning=("slug",)) == [("other",)]
        assert session.scalars(select(Vendor.slug)).all() == ["other"]
        session.rollback()


def test_a_row_with_a_column_its_table_lacks_is_refused(owner_database: Database) -> None:
    with owner_database.transaction(Domain.commerce) as session:
        row = new_row(Vendor, name="Typo", slug="typo", email="t@example.com", commission_rate=Decimal("0.1"),
                      default_currency="EUR", comission_rate=Decimal("0.2"))
        with pytest.raises(ValueError, match="comission_rate"):
            write_pending(session, [(Vendor, [row])])
        session.rollback()
