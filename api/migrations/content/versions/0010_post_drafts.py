"""post drafts: blog posts keep editors' changes in a draft until published, as pages do

Each existing post's draft is its live content (and its translations as the draft's `locales`), so nothing
changes for it: it has no unpublished changes. This revision also joins the chain's two heads (localization and
read indexes, both on tenant_domains_rls), so the content chain is linear again from here.

Revision ID: 0010_post_drafts_content
Revises: 0008_localization_content, 0009_read_indexes_content
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_post_drafts_content"
down_revision: str | Sequence[str] | None = ("0008_localization_content", "0009_read_indexes_content")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("blog_posts", sa.Column("draft", postgresql.JSONB(), nullable=True), schema="content")
    op.execute(
        """
        UPDATE content.blog_posts SET draft = jsonb_build_object(
            'title', title, 'slug', slug, 'content', content, 'author', author, 'tags', to_jsonb(tags)
        ) || CASE WHEN translations <> '{}'::jsonb THEN jsonb_build_object('locales', translations)
                  ELSE '{}'::jsonb END
        """
    )
    op.alter_column("blog_posts", "draft", nullable=False, schema="content")


def downgrade() -> None:
    op.drop_column("blog_posts", "draft", schema="content")
