"""The database roles and row-level security policies, as SQL for the migrations (which run as the owner).

- The owner (the role of the configured URL) owns every table and runs the migrations, dbt and Dagster.
- `marketplace_app` (`api.db.APP_ROLE`) is the API's login role: it owns nothing, may read and write rows
  of the store's tables (tables added by later migrations get the same grants through default privileges),
  cannot TRUNCATE, ALTER or DROP anything, and is subject to row-level security (no BYPASSRLS).

Row-level security: a transaction says whose rows it acts for with `app.vendor_id` / `app.company_id`
(`api.db.TenantScope`; `*` = every tenant). Each tenant-scoped table gets a policy built from the rules
below. These functions only produce SQL for revisions: changing a rule needs a new revision.
"""

from __future__ import annotations

from api.db import APP_ROLE

VENDOR = "current_setting('app.vendor_id', true)"
COMPANY = "current_setting('app.company_id', true)"


def grant_app_role_sql(schema: str) -> list[str]:
    return [
        # Roles are shared by the server's databases: create it once, whoever gets there first.
        f"""DO $$ BEGIN
            CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""",
        f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {APP_ROLE}', current_database()); END $$",
        f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}",
        f"REVOKE ALL ON {schema}.alembic_version FROM {APP_ROLE}",
    ]


def revoke_app_role_sql(schema: str) -> list[str]:
    return [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {APP_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {APP_ROLE}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP_ROLE}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {APP_ROLE}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {APP_ROLE}",
    ]


# ---- row-level security ------------------------------------------------------------------------------------


def vendor_rule(column: str = "vendor_id") -> str:
    """Every vendor's rows in the platform scope; else the acting vendor's rows and the platform's (NULL)."""
    return f"({VENDOR} = '*' OR {column} IS NULL OR {column} = {VENDOR})"


def company_rule(column: str = "company_id") -> str:
    """Every company's rows in the platform scope; else the acting company's rows and rows of no company."""
    return f"({COMPANY} = '*' OR {column} IS NULL OR {column} = {COMPANY})"


def own_tenant_rule(column: str = "tenant_id") -> str:
    """Content of the acting vendor's tenants (the content store's `tenants.vendor_id`); platform-wide
    content (NULL) only in the platform scope."""
    return f"({VENDOR} = '*' OR {column} IN (SELECT t.id FROM content.tenants t WHERE t.vendor_id = {VENDOR}))"


def public_content_rule(column: str = "tenant_id", published: str | None = None) -> str:
    """What every shopper may read: content of active tenants and of the platform (published, if the
    collection has drafts)."""
    active = f"({column} IS NULL OR {column} IN (SELECT t.id FROM content.tenants t WHERE t.status = 'active'))"
    return f"({active} AND {published})" if published else active


def enable_rls_sql(table: str, rule: str, read_rule: str | None = None) -> list[str]:
    """RLS on `table`: `rule` for every command (policy `tenant_isolation`), plus `read_rule` as a further
    permissive SELECT policy (`tenant_read`) where others may read more than they may write."""
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({rule}) WITH CHECK ({rule})",
    ]
    if read_rule:
        statements.append(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read_rule})")
    return statements


def disable_rls_sql(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS tenant_read ON {table}",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
