from __future__ import annotations

from api.content.access import tenant_readable, tenant_writable
from api.content.blogs import service
from api.content.blogs.models import BlogPost
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

COLLECTION = Collection(
    slug="blogs",
    model=BlogPost,
    description="Blog posts (safe rich text), newest first; `?tag=x` filters by tag. Once public, edits go to the "
    "draft until published; filters see published content.",
    fields={
        "id": Field(BlogPost.id),
        "tenant": Field(BlogPost.tenant_id),
        "title": Field(BlogPost.title),
        "slug": Field(BlogPost.slug),
        "author": Field(BlogPost.author),
        "tags": Field(BlogPost.tags, Kind.array),
        "status": Field(BlogPost.status, choices=("draft", "scheduled", "published")),
        "publishedAt": Field(BlogPost.published_at, Kind.datetime),
        "publishAt": Field(BlogPost.publish_at, Kind.datetime),
        "createdAt": Field(BlogPost.created_at, Kind.datetime),
        "updatedAt": Field(BlogPost.updated_at, Kind.datetime),
    },
    default_sort="-publishedAt,-createdAt",
    readable=lambda access: tenant_readable(access, BlogPost.tenant_id, BlogPost.status == "published"),
    writable=lambda access: tenant_writable(access, BlogPost.tenant_id),
    to_doc=service.to_doc,
    relations=(Relation("tenant", "tenants"),),
    shortcuts={"tag": "tags"},
    create_schema=service.PostCreate,
    create=service.create,
    update_schema=service.PostUpdate,
    update=service.update,
    delete=service.delete,
    localized=("title", "content"),
    translate=service.translate,
    draft_of=lambda post: post.draft,
    publish=service.publish,
)
