"""Storefront settings: the tenant's branding (logo, colours, heading font), its pages (blocks edited as plain
forms, saved as a draft, published, versions restored), its navigation menu and its blog posts. Every write goes
through the content services with the vendor's own content access (another tenant's document is 404), so the
outbox events, the sync and the webhooks fire exactly as for `/api/...`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from api.content import service as content_service
from api.content.access import Access, access_for
from api.content.blogs import service as blogs
from api.content.blogs.collection import COLLECTION as BLOGS
from api.content.blogs.models import BlogPost
from api.content.media import service as media
from api.content.media.models import Media
from api.content.media.routes import AppStorage
from api.content.navigation import service as navigation
from api.content.navigation.collection import COLLECTION as MENUS
from api.content.navigation.models import NavigationMenu
from api.content.pages import service as pages
from api.content.pages.collection import COLLECTION as PAGES
from api.content.pages.models import Page
from api.content.pages.schemas import PageCreate, PageUpdate
from api.content.richtext import plain
from api.content.tenants import service as tenants
from api.content.tenants.collection import COLLECTION as TENANTS
from api.content.tenants.models import Tenant
from api.content.tenants.schemas import TenantUpdate
from api.deps import AppSettings, CommerceSession
from api.errors import AppError, NotFound
from api.web.auth import Form
from api.web.forms import FieldErrors, app_error_fields, validate
from api.web.render import redirect
from api.web.stores import PageContentSession
from api.web.vendor_portal.common import ROOT, VendorEditor, VendorUser, page, router, vendor_of, writable_vendor

FONTS = ["", "Inter", "Roboto", "Open Sans", "Lato", "Montserrat", "Merriweather", "Playfair Display",
         "Source Serif 4"]
BLOCK_TYPES = [("hero", "Hero"), ("richText", "Text"), ("callToAction", "Call to action"),
               ("productGrid", "Product grid"), ("image", "Image"), ("faq", "Questions and answers")]
BASE = f"{ROOT}/storefront"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _tenant(content: Session, vendor_id: str) -> Tenant:
    tenant = content.scalar(select(Tenant).where(Tenant.vendor_id == vendor_id))
    if tenant is None:
        raise NotFound("Your store is being set up; it appears here within a minute of your registration.")
    return tenant


def _paragraphs(text: str) -> dict[str, Any] | None:
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    if not parts:
        return None
    return {"type": "root", "children": [plain(p)["children"][0] for p in parts]}  # type: ignore[index]


def _plain_text(document: dict[str, Any] | None) -> str:
    if not document:
        return ""
    return "\n\n".join("".join(str(n.get("text", "")) for n in block.get("children", []))
                       for block in document.get("children", []))


# ---- overview and branding -----------------------------------------------------------------------------


def _overview(request: Request, session: Session, content: Session, actor: Any, errors: FieldErrors | None = None,
              values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    vendor = vendor_of(session, actor)
    tenant = content.scalar(select(Tenant).where(Tenant.vendor_id == vendor.id))
    context: dict[str, Any] = {"tenant": tenant, "errors": errors or {}, "fonts": [(f, f or "Default") for f in FONTS]}
    if tenant is not None:
        context["values"] = values or {
            "tagline": tenant.tagline or "", "primaryColor": tenant.primary_color or "",
            "secondaryColor": tenant.secondary_color or "", "headingFont": tenant.heading_font or "",
        }
        context["pages"] = list(content.scalars(select(Page).where(Page.tenant_id == tenant.id).order_by(Page.title)))
        context["posts"] = list(content.scalars(select(BlogPost).where(BlogPost.tenant_id == tenant.id)
                                                .order_by(BlogPost.created_at.desc())))
        menu = content.scalar(select(NavigationMenu).where(NavigationMenu.tenant_id == tenant.id,
                                                           NavigationMenu.location == "main"))
        context["menu_text"] = (values or {}).get("menu") if values and "menu" in values else "\n".join(
            f"{item['label']} | {item.get('url') or 'page:' + item.get('page', '')}" for item in (menu.items if menu
                                                                                               else []))
        context["logo"] = media.url(tenant.logo_id, "original") if tenant.logo_id else None
    return page(request, "storefront.html", vendor, "storefront", context, status_code=status_code)


@router.get(BASE)
def storefront(request: Request, actor: VendorUser, session: CommerceSession, content: PageContentSession) -> Response:
    return _overview(request, session, content, actor)


@router.post(f"{BASE}/branding")
def save_branding(request: Request, form: Form, actor: VendorEditor, session: CommerceSession,
                  content: PageContentSession, storage: AppStorage, settings: AppSettings) -> Response:
    vendor = writable_vendor(session, actor)
    access = access_for(content, actor)
    tenant = content_service.load_writable(content, access, TENANTS, _tenant(content, vendor.id).id)
    values = {k: _text(form, k) for k in ("tagline", "primaryColor", "secondaryColor", "headingFont", "logo_alt")}
    branding: dict[str, Any] = {"logo": tenant.logo_id}
    for key in ("primaryColor", "secondaryColor", "headingFont"):
        branding[key] = values[key] or None
    body, errors = validate(TenantUpdate, {"tagline": values["tagline"] or None, "branding": branding})
    errors = {name.removeprefix("branding."): message for name, message in errors.items()}
    logo = form.get("logo")
    if isinstance(logo, UploadFile) and logo.filename and not values["logo_alt"]:
        errors["logo_alt"] = "Describe the logo for people who cannot see it."
    if body is not None and not errors:
        try:
            with content.begin_nested():
                if isinstance(logo, UploadFile) and logo.filename:
                    uploaded = media.upload(content, access, storage, filename=logo.filename,
                                            data=logo.file.read(settings.media_max_bytes + 1), alt=values["logo_alt"],
                                            tenant_id=tenant.id, max_bytes=settings.media_max_bytes,
                                            max_pixels=settings.media_max_image_pixels)
                    assert body.branding is not None
                    body = body.model_copy(update={"branding": body.branding.model_copy(update={"logo": uploaded.id})})
                tenants.update(content, access, tenant, body)
        except AppError as exc:
            errors = app_error_fields(exc, set(values))
            if isinstance(logo, UploadFile) and logo.filename and "_form" in errors:
                errors = {"logo": errors["_form"]}
    if body is None or errors:
        return _overview(request, session, content, actor, errors, values, status_code=400)
    return redirect(request, BASE, "Branding saved: your store shows it now.")


@router.post(f"{BASE}/navigation")
def save_navigation(request: Request, form: Form, actor: VendorEditor, session: CommerceSession,
                    content: PageContentSession) -> Response:
    vendor = writable_vendor(session, actor)
    access = access_for(content, actor)
    tenant = _tenant(content, vendor.id)
    text = _text(form, "menu")
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        label, _, target = line.partition("|")
        target = target.strip()
        item: dict[str, Any] = {"label": label.strip()}
        item["page" if target.startswith("page:") else "url"] = target.removeprefix("page:")
        items.append(item)
    errors: FieldErrors = {}
    body, errors = validate(navigation.MenuUpdate, {"items": items})
    if body is not None:
        errors = {}
        try:
            with content.begin_nested():
                menu = content.scalar(select(NavigationMenu.id).where(NavigationMenu.tenant_id == tenant.id,
                                                                      NavigationMenu.location == "main"))
                if menu is None:
                    navigation.create(content, access, navigation.MenuCreate.model_validate(
                        {"tenant": tenant.id, "location": "main", "items": items}))
                else:
                    navigation.update(content, access, content_service.load_writable(content, access, MENUS, menu),
                                      body)
        except AppError as exc:
            errors = {"menu": next(iter(app_error_fields(exc).values()))}
    if body is None or errors:
        return _overview(request, session, content, actor, {"menu": next(iter(errors.values()))},
                         {"menu": text}, status_code=400)
    return redirect(request, BASE, "Navigation saved.")


# ---- pages ---------------------------------------------------------------------------------------------


@router.post(f"{BASE}/pages")
def create_page(request: Request, form: Form, actor: VendorEditor, session: CommerceSession,
                content: PageContentSession) -> Response:
    writable_vendor(session, actor)
    access = access_for(content, actor)
    values = {"title": _text(form, "title"), "slug": _text(form, "slug")}
    body, errors = validate(PageCreate, {**values, "blocks": []})
    if body is not None:
        try:
            with content.begin_nested():
                created = pages.create(content, access, body)
        except AppError as exc:
            errors = app_error_fields(exc, set(values))
            if "_form" in errors and "slug" in errors["_form"]:
                errors = {"slug": errors["_form"]}
    if body is None or errors:
        return _overview(request, session, content, actor, errors, status_code=400)
    return redirect(request, f"{BASE}/pages/{created.id}", "Page created as a draft: add blocks, then publish.")


def _blocks_of(form: FormData) -> list[dict[str, Any]]:
    """The blocks as the page schema takes them (camelCase), from the block fieldsets; removed ones left out."""
    blocks = []
    indexes = sorted({int(k.split(".")[1]) for k in form if k.startswith("blocks.") and k.split(".")[1].isdigit()})
    for i in indexes:
        if _text(form, f"blocks.{i}.remove"):
            continue
        kind = _text(form, f"blocks.{i}.blockType")

        def f(name: str, i: int = i) -> str:
            return _text(form, f"blocks.{i}.{name}")

        block: dict[str, Any] = {"blockType": kind}
        if kind == "hero":
            block.update({"heading": f("heading"), "subheading": f("subheading") or None, "image": f("image") or None})
            if f("ctaLabel") or f("ctaUrl"):
                block["cta"] = {"label": f("ctaLabel"), "url": f("ctaUrl")}
        elif kind == "richText":
            block["content"] = _paragraphs(f("content")) or {"type": "root", "children": []}
        elif kind == "callToAction":
            block.update({"text": f("text"), "url": f("url"), "style": f("style") or "primary"})
        elif kind == "productGrid":
            ids = [p.strip() for p in f("productIds").split(",") if p.strip()]
            block.update({"heading": f("heading") or None, "productIds": ids or None,
                          "categoryId": f("categoryId") or None, "columns": f("columns") or 3})
        elif kind == "image":
            block.update({"image": f("image"), "caption": f("caption") or None})
        elif kind == "faq":
            items, question = [], None
            for line in f("items").splitlines():
                if line.startswith("Q:"):
                    question = line[2:].strip()
                elif line.startswith("A:") and question is not None:
                    items.append({"question": question, "answer": line[2:].strip()})
                    question = None
            block["items"] = items
        blocks.append({k: v for k, v in block.items() if v is not None})
    return blocks


def _block_values(block: dict[str, Any]) -> dict[str, Any]:
    """A stored block as the form shows it."""
    values = dict(block)
    if block.get("blockType") == "richText":
        values["content"] = _plain_text(block.get("content"))
    if block.get("blockType") == "hero" and block.get("cta"):
        values["ctaLabel"], values["ctaUrl"] = block["cta"]["label"], block["cta"]["url"]
    if block.get("blockType") == "productGrid":
        values["productIds"] = ", ".join(block.get("productIds") or [])
    if block.get("blockType") == "faq":
        values["items"] = "\n".join(f"Q: {i['question']}\nA: {i['answer']}" for i in block.get("items", []))
    return values


def _page_editor(request: Request, session: Session, content: Session, actor: Any, page_id: str,
                 errors: FieldErrors | None = None, draft: dict[str, Any] | None = None,
                 status_code: int = 200) -> Response:
    vendor = vendor_of(session, actor)
    access = access_for(content, actor)
    row = content_service.load_writable(content, access, PAGES, page_id) if access.tenant_ids else None
    if row is None:
        raise NotFound("No such page.")
    current = draft or row.draft
    tenant_media = list(content.scalars(select(Media).where(Media.tenant_id == row.tenant_id, Media.kind == "image")
                                        .order_by(Media.created_at.desc()).limit(50)))
    return page(request, "page_editor.html", vendor, "storefront", {
        "doc": row, "draft": current, "blocks": [_block_values(b) for b in current.get("blocks", [])],
        "versions": pages.versions(content, row), "errors": errors or {}, "block_types": BLOCK_TYPES,
        "media": [("", "None"), *((m.id, m.alt or m.filename) for m in tenant_media)],
        "unpublished": pages.to_doc(row, True)["hasUnpublishedChanges"],
    }, status_code=status_code)


@router.get(f"{BASE}/pages/{{page_id}}")
def edit_page(request: Request, page_id: str, actor: VendorUser, session: CommerceSession,
              content: PageContentSession) -> Response:
    return _page_editor(request, session, content, actor, page_id)


@router.post(f"{BASE}/pages/{{page_id}}")
def save_page(request: Request, page_id: str, form: Form, actor: VendorEditor, session: CommerceSession,
              content: PageContentSession) -> Response:
    writable_vendor(session, actor)
    access = access_for(content, actor)
    row = content_service.load_writable(content, access, PAGES, page_id)
    blocks = _blocks_of(form)
    add = _text(form, "add_block") if _text(form, "action") == "add" else ""
    if add in dict(BLOCK_TYPES):
        blocks.append({"blockType": add, **_empty_block(add)})
    data = {"title": _text(form, "title"), "slug": _text(form, "slug"), "blocks": blocks,
            "seoTitle": _text(form, "seoTitle") or None, "seoDescription": _text(form, "seoDescription") or None}
    if add:  # adding a block saves nothing yet: the new, empty block is shown to be filled in
        return _page_editor(request, session, content, actor, page_id, draft=data)
    body, errors = validate(PageUpdate, data)
    if body is not None:
        try:
            with content.begin_nested():
                pages.update(content, access, row, body)
                if _text(form, "action") == "publish":
                    pages.publish(content, access, row)
        except AppError as exc:
            errors = app_error_fields(exc, {"title", "slug"})
            if "_form" in errors and "slug" in errors["_form"]:
                errors = {"slug": errors["_form"]}
    if body is None or errors:
        return _page_editor(request, session, content, actor, page_id, errors, draft=data, status_code=400)
    published = _text(form, "action") == "publish"
    return redirect(request, f"{BASE}/pages/{page_id}", "Published: the page is live." if published
                    else "Draft saved; publish to make it live.")


def _empty_block(kind: str) -> dict[str, Any]:
    empty: dict[str, dict[str, Any]] = {
            "hero": {"heading": ""}, "richText": {"content": {"type": "root", "children": []}},
            "callToAction": {"text": "", "url": ""}, "productGrid": {"columns": 3}, "image": {"image": ""},
            "faq": {"items": []}}
    return empty[kind]


@router.post(f"{BASE}/pages/{{page_id}}/versions/{{version_id}}/restore")
def restore_version(request: Request, page_id: str, version_id: str, actor: VendorEditor, session: CommerceSession,
                    content: PageContentSession) -> Response:
    writable_vendor(session, actor)
    access = access_for(content, actor)
    row = content_service.load_writable(content, access, PAGES, page_id)
    pages.restore(content, access, row, version_id)
    return redirect(request, f"{BASE}/pages/{page_id}", "Version restored into the draft; publish to make it live.")


# ---- blog posts ----------------------------------------------------------------------------------------


def _post_editor(request: Request, session: Session, content: Session, actor: Any, post: BlogPost | None,
                 values: dict[str, str] | None = None, errors: FieldErrors | None = None,
                 status_code: int = 200) -> Response:
    vendor = vendor_of(session, actor)
    draft = post.draft if post else {}  # the newest content: what the editor changes
    shown = values or ({
        "title": draft["title"], "slug": draft["slug"], "content": _plain_text(draft["content"]),
        "author": draft.get("author") or "", "tags": ", ".join(draft.get("tags") or []), "status": post.status,
    } if post else {"status": "draft"})
    return page(request, "post_editor.html", vendor, "storefront", {
        "post": post, "values": shown, "errors": errors or {},
        "statuses": [("draft", "Draft"), ("published", "Published")],
    }, status_code=status_code)


def _post_data(form: FormData) -> tuple[dict[str, str], dict[str, Any]]:
    values = {k: _text(form, k) for k in ("title", "slug", "content", "author", "tags", "status")}
    data: dict[str, Any] = {
        "title": values["title"], "slug": values["slug"],
        "content": _paragraphs(values["content"]) or {"type": "root", "children": []},
        "author": values["author"] or None, "tags": [t.strip() for t in values["tags"].split(",") if t.strip()],
        "status": values["status"] or "draft",
    }
    return values, data


def _load_post(content: Session, access: Access, post_id: str) -> BlogPost:
    if not access.tenant_ids:
        raise NotFound("No such post.")
    post: BlogPost = content_service.load_writable(content, access, BLOGS, post_id)
    return post


@router.get(f"{BASE}/posts/new")
def new_post(request: Request, actor: VendorUser, session: CommerceSession, content: PageContentSession) -> Response:
    return _post_editor(request, session, content, actor, None)


@router.get(f"{BASE}/posts/{{post_id}}")
def edit_post(request: Request, post_id: str, actor: VendorUser, session: CommerceSession,
              content: PageContentSession) -> Response:
    return _post_editor(request, session, content, actor, _load_post(content, access_for(content, actor), post_id))


@router.post(f"{BASE}/posts/{{post_id}}")
def save_post(request: Request, post_id: str, form: Form, actor: VendorEditor, session: CommerceSession,
              content: PageContentSession) -> Response:
    writable_vendor(session, actor)
    access = access_for(content, actor)
    post = None if post_id == "new" else _load_post(content, access, post_id)
    values, data = _post_data(form)
    body, errors = validate(blogs.PostCreate if post is None else blogs.PostUpdate, data)
    if body is not None:
        try:
            with content.begin_nested():
                if post is None:
                    assert isinstance(body, blogs.PostCreate)
                    post = blogs.create(content, access, body)
                else:
                    assert isinstance(body, blogs.PostUpdate)
                    blogs.update(content, access, post, body)
        except AppError as exc:
            errors = app_error_fields(exc, set(values))
            if "_form" in errors and "slug" in errors["_form"]:
                errors = {"slug": errors["_form"]}
    if body is None or errors or post is None:
        return _post_editor(request, session, content, actor, None if post_id == "new" else post, values, errors,
                            status_code=400)
    return redirect(request, f"{BASE}/posts/{post.id}", "Post saved.")
