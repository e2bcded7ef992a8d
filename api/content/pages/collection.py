from __future__ import annotations

from api.content.access import tenant_readable, tenant_writable
from api.content.pages import service
from api.content.pages.models import Page, PublishStatus
from api.content.pages.schemas import PageCreate, PageUpdate
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

COLLECTION = Collection(
    slug="pages",
    model=Page,
    description="Pages built from blocks, with drafts, publishing and versions. Filters see published content.",
    fields={
        "id": Field(Page.id),
        "tenant": Field(Page.tenant_id),
        "title": Field(Page.title),
        "slug": Field(Page.slug),
        "status": Field(Page.status, choices=tuple(PublishStatus)),
        "seoTitle": Field(Page.seo_title),
        "publishedAt": Field(Page.published_at, Kind.datetime),
        "publishAt": Field(Page.publish_at, Kind.datetime),
        "createdAt": Field(Page.created_at, Kind.datetime),
        "updatedAt": Field(Page.updated_at, Kind.datetime),
    },
    default_sort="title",
    readable=lambda access: tenant_readable(access, Page.tenant_id, Page.status == PublishStatus.published.value),
    writable=lambda access: tenant_writable(access, Page.tenant_id),
    to_doc=service.to_doc,
    relations=(Relation("tenant", "tenants"), Relation("blocks[].image", "media")),
    create_schema=PageCreate,
    create=service.create,
    update_schema=PageUpdate,
    update=service.update,
    delete=service.delete,
    localized=("title", "blocks", "seoTitle", "seoDescription"),
    translate=service.translate,
    draft_of=lambda page: page.draft,
    publish=service.publish,
)
