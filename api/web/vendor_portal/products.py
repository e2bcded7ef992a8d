"""Products: the list with status and stock; one form to create or edit a product with its options, variants
(SKU, prices per currency, stock), categories, images (uploaded to the media store) and its content (long
description, specifications); publish and unpublish; volume tiers per variant.

A save is all or nothing: the form is validated with the catalog's and the content's own schemas first, then
the commerce product, the uploaded image and the product's content are written inside savepoints of both
stores, so any refusal (a taken handle, a bad image) leaves nothing half-saved."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from api import money
from api.catalog import service as catalog
from api.catalog.models import Product, ProductStatus
from api.catalog.schemas import ProductFields, ProductIn, ProductOut, ProductUpdate
from api.config import Settings
from api.content.access import Access, access_for
from api.content.categories.models import Category
from api.content.media import service as media
from api.content.media.routes import AppStorage
from api.content.products import service as product_contents
from api.content.products.models import ProductContent
from api.content.products.service import ProductContentUpdate
from api.content.richtext import plain
from api.deps import AppSettings, CommerceSession
from api.errors import AppError, NotFound, ValidationFailed
from api.regions.models import Region
from api.vendor_portal import scope
from api.vendors.models import Vendor
from api.volume_pricing import service as volume_pricing
from api.volume_pricing.schemas import TierIn
from api.web.auth import Form
from api.web.components import Pager
from api.web.forms import FieldErrors, app_error_fields, fields, validate
from api.web.render import redirect
from api.web.stores import PageContentSession
from api.web.vendor_portal.common import ROOT, VendorEditor, VendorUser, page, router, vendor_of, writable_vendor
from connectors.storage import Storage

PER_PAGE = 20
OPTION_ROWS = 3
EMPTY_VARIANT_ROWS = 2


def _own_product(session: Session, actor: Any, product_id: str) -> Product:
    found = session.scalar(scope.readable_products(actor).where(Product.id == product_id).with_only_columns(Product.id))
    if found is None:
        raise NotFound("No such product.")
    return catalog.get_product(session, product_id)


def _currencies(session: Session, vendor: Vendor) -> list[str]:
    codes = set(session.scalars(select(Region.currency_code))) | {vendor.default_currency}
    return sorted(codes)


def _categories(content: Session) -> list[tuple[str, str]]:
    return [(c.id, c.name) for c in content.scalars(select(Category).order_by(Category.name).limit(200))]


# ---- the list ------------------------------------------------------------------------------------------


@router.get(f"{ROOT}/products")
def products(
    request: Request, actor: VendorUser, session: CommerceSession,
    status: ProductStatus | None = None, q: Annotated[str | None, Query(max_length=200)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    vendor = vendor_of(session, actor)
    rows, total = catalog.search_products(session, scope.readable_products(actor), q=q or None, status=status,
                                          limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE)
    pager = Pager.of(page_number, PER_PAGE, total, f"{ROOT}/products", {"status": status, "q": q})
    return page(request, "products.html", vendor, "products", {
        "products": [catalog.admin_view(p) for p in rows], "pager": pager, "status": status, "q": q or "",
    })


# ---- the form: values <-> schema -------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(text: str) -> int | str:
    """An integer field as typed: the int, or the text itself for the schema to refuse inline."""
    try:
        return int(text)
    except ValueError:
        return text


def _amount(text: str, currency: str) -> int | str:
    """A price as people type it ('19.99') in minor units; left as text when it is not a number."""
    try:
        return money.from_decimal(Decimal(text.replace(",", "")), currency)
    except (InvalidOperation, ValueError, ArithmeticError):
        return text


def _rows(form: FormData, prefix: str) -> list[int]:
    indexes = set()
    for key in form:
        if key.startswith(prefix + "."):
            part = key.split(".")[1]
            if part.isdigit():
                indexes.add(int(part))
    return sorted(indexes)


def product_data(form: FormData, currencies: list[str]) -> dict[str, Any]:
    """The catalog's product fields from the form: options (values comma-separated), variant rows (left-out
    rows are skipped), prices typed in major units per currency, and the categories ticked."""
    options = []
    for i in _rows(form, "options"):
        title = _text(form, f"options.{i}.title")
        values = [v.strip() for v in _text(form, f"options.{i}.values").split(",") if v.strip()]
        if title or values:
            options.append({"title": title, "values": values})
    variants = []
    for i in _rows(form, "variants"):
        row = {k: _text(form, f"variants.{i}.{k}") for k in ("id", "title", "sku", "options", "stock")}
        prices = {c: _text(form, f"variants.{i}.price.{c}") for c in currencies}
        if not any(row[k] for k in ("title", "sku", "options", "stock")) and not any(prices.values()):
            continue
        chosen: dict[str, str] = {}
        for pair in row["options"].split(","):
            if "=" in pair:
                key, _, value = pair.partition("=")
                chosen[key.strip()] = value.strip()
        variant: dict[str, Any] = {
            "title": row["title"], "sku": row["sku"], "options": chosen,
            "prices": [{"currency_code": c, "amount": _amount(v, c)} for c, v in prices.items() if v],
            "stocked_quantity": _int(row["stock"]) if row["stock"] else None,
            "_row": i,
        }
        if row["id"]:
            variant["id"] = row["id"]
        variants.append(variant)
    return {
        "title": _text(form, "title"),
        "handle": _text(form, "handle"),
        "description": _text(form, "description") or None,
        "options": options,
        "variants": variants,
        "category_ids": [v for v in form.getlist("category_ids") if isinstance(v, str) and v],
    }


def _rename_errors(errors: FieldErrors, data: dict[str, Any]) -> FieldErrors:
    """Schema error names (variants.<n>...) as the form's input names (variants.<row>..., price.<currency>)."""
    out: FieldErrors = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "variants" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(data["variants"]):
            variant = data["variants"][int(parts[1])]
            parts[1] = str(variant["_row"])
            if len(parts) > 3 and parts[2] == "prices" and parts[3].isdigit():
                currency = variant["prices"][int(parts[3])]["currency_code"]
                parts = [*parts[:2], "price", currency]
            elif len(parts) > 2 and parts[2] == "stocked_quantity":
                parts = [*parts[:2], "stock"]
            name = ".".join(parts[:3] if parts[2:3] != ["price"] else parts[:4])
        elif parts[0] == "options" and len(parts) > 2:
            name = ".".join(parts[:3])
        out.setdefault(name, message)
    return out


def content_data(form: FormData) -> dict[str, Any]:
    """The content side's fields: the long description (paragraphs split on blank lines) and specifications,
    one `Key: Value` per line, `[Group]` lines starting a group."""
    description = _text(form, "long_description")
    paragraphs = [p.strip() for p in description.replace("\r\n", "\n").split("\n\n") if p.strip()]
    long_description = None
    if paragraphs:
        long_description = {"type": "root", "children": [plain(p)["children"][0] for p in paragraphs]}  # type: ignore[index]
    groups: list[dict[str, Any]] = []
    for line in _text(form, "specifications").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            groups.append({"name": line[1:-1].strip(), "items": []})
            continue
        if not groups:
            groups.append({"name": "Specifications", "items": []})
        key, _, value = line.partition(":")
        groups[-1]["items"].append({"key": key.strip(), "value": value.strip()})
    return {"longDescription": long_description, "specifications": groups}


def _spec_text(content: ProductContent | None) -> str:
    if content is None:
        return ""
    lines = []
    for group in content.specifications or []:
        lines.append(f"[{group['name']}]")
        lines.extend(f"{item['key']}: {item['value']}" for item in group.get("items", []))
    return "\n".join(lines)


def _description_text(content: ProductContent | None) -> str:
    if content is None or not content.long_description:
        return ""
    paragraphs = []
    for block in content.long_description.get("children", []):
        paragraphs.append("".join(str(node.get("text", "")) for node in block.get("children", [])))
    return "\n\n".join(paragraphs)


def _values_of(product: ProductOut | None, content: ProductContent | None) -> dict[str, Any]:
    if product is None:
        return {"options": [], "variants": [], "category_ids": [], "long_description": "", "specifications": ""}
    return {
        "title": product.title, "handle": product.handle, "description": product.description or "",
        "options": [{"title": o.title, "values": ", ".join(o.values)} for o in product.options],
        "variants": [{
            "id": v.id, "title": v.title, "sku": v.sku, "stock": v.inventory.stocked_quantity,
            "options": ", ".join(f"{k}={val}" for k, val in v.options.items()),
            "price": {p.currency_code: p.amount for p in v.prices},
        } for v in product.variants],
        "category_ids": product.category_ids,
        "long_description": _description_text(content), "specifications": _spec_text(content),
    }


def _form_values(form: FormData, currencies: list[str]) -> dict[str, Any]:
    """What was typed, to show the form again with its errors."""
    data = product_data(form, currencies)
    variants = []
    for v in data["variants"]:
        typed = {c: _text(form, f"variants.{v['_row']}.price.{c}") for c in currencies}
        variants.append({
            "id": v.get("id", ""), "title": v["title"], "sku": v["sku"],
            "stock": _text(form, f"variants.{v['_row']}.stock"),
            "options": _text(form, f"variants.{v['_row']}.options"),
            "price": {c: _amount(t, c) for c, t in typed.items() if t},
        })
    return {
        "title": data["title"], "handle": data["handle"], "description": data["description"] or "",
        "options": [{"title": o["title"], "values": ", ".join(o["values"])} for o in data["options"]],
        "variants": variants, "category_ids": data["category_ids"],
        "long_description": _text(form, "long_description"), "specifications": _text(form, "specifications"),
    }


def _render_form(request: Request, vendor: Vendor, session: Session, content: Session, *, product: ProductOut | None,
                 values: dict[str, Any], errors: FieldErrors, status_code: int = 200,
                 images: list[str] | None = None, tiers: list[Any] | None = None) -> Response:
    return page(request, "product_form.html", vendor, "products", {
        "product": product, "values": values, "errors": errors, "currencies": _currencies(session, vendor),
        "categories": _categories(content), "option_rows": OPTION_ROWS, "empty_rows": EMPTY_VARIANT_ROWS,
        "images": images if images is not None else (product.images if product else []), "tiers": tiers or [],
        "currency_options": [(c, c) for c in _currencies(session, vendor)],
        "variant_options": [(v.id, f"{v.sku} ({v.title})") for v in (product.variants if product else [])],
    }, status_code=status_code)


@router.get(f"{ROOT}/products/new")
def new_product(request: Request, actor: VendorUser, session: CommerceSession, content: PageContentSession) -> Response:
    vendor = vendor_of(session, actor)
    return _render_form(request, vendor, session, content, product=None, values=_values_of(None, None), errors={})


@router.get(f"{ROOT}/products/{{product_id}}")
def edit_product(
    request: Request, product_id: str, actor: VendorUser, session: CommerceSession, content: PageContentSession
) -> Response:
    vendor = vendor_of(session, actor)
    product = catalog.admin_view(_own_product(session, actor, product_id))
    stored = content.scalar(select(ProductContent).where(ProductContent.product_id == product.id))
    tiers, _ = volume_pricing.list_tiers(session, scope.readable_tiers(actor), variant_id=None, limit=200, offset=0)
    tiers = [t for t in tiers if t.variant_id in {v.id for v in product.variants}]
    return _render_form(request, vendor, session, content, product=product, values=_values_of(product, stored),
                        errors={}, tiers=tiers)


def _upload(form: FormData) -> UploadFile | None:
    file = form.get("image")
    if isinstance(file, UploadFile) and file.filename:
        return file
    return None


def _save(
    request: Request, form: FormData, actor: Any, session: Session, content: Session, storage: Storage,
    settings: Settings, product_id: str | None,
) -> Response:
    vendor = writable_vendor(session, actor)
    currencies = _currencies(session, vendor)
    current = catalog.admin_view(_own_product(session, actor, product_id)) if product_id else None
    data = product_data(form, currencies)
    kept_images = [v for v in form.getlist("keep_images") if isinstance(v, str)] if current else []
    kept_images = [url for url in (current.images if current else []) if url in kept_images]
    schema_data = {**data, "variants": [{k: v for k, v in row.items() if k != "_row"} for row in data["variants"]],
                   "images": kept_images}
    body, errors = validate(ProductFields if current is None else ProductUpdate, schema_data)
    errors = _rename_errors(errors, data)
    content_body, content_errors = validate(ProductContentUpdate, content_data(form))
    for name, message in content_errors.items():
        errors.setdefault("long_description" if name.startswith("longDescription") else "specifications", message)
    file = _upload(form)
    alt = _text(form, "image_alt")
    if file is not None and not alt:
        errors["image_alt"] = "Describe the image for people who cannot see it."

    def again(found: FieldErrors) -> Response:
        return _render_form(request, vendor, session, content, product=current,
                            values=_form_values(form, currencies), errors=found, status_code=400,
                            images=current.images if current else [])

    if body is None or content_body is None or errors:
        return again(errors)
    access: Access = access_for(content, actor)
    try:
        with session.begin_nested(), content.begin_nested():
            media_ids: list[str] = []
            images = list(kept_images)
            if file is not None:
                uploaded = media.upload(content, access, storage, filename=file.filename or "image",
                                        data=file.file.read(settings.media_max_bytes + 1), alt=alt, tenant_id=None,
                                        max_bytes=settings.media_max_bytes,
                                        max_pixels=settings.media_max_image_pixels)
                media_ids.append(uploaded.id)
                images.append(str(request.base_url).rstrip("/") + media.url(uploaded.id, "original"))
            if current is None:
                assert isinstance(body, ProductFields)
                product = catalog.create_product(session, ProductIn.model_validate(
                    {**body.model_dump(), "images": images, "vendor_id": vendor.id}))
            else:
                assert isinstance(body, ProductUpdate)
                update = body.model_copy(update={"images": images})
                product = catalog.update_product(session, current.id, update)
            stored = product_contents.for_vendor_product(content, access, product.id, vendor.id)
            content_update = content_body.model_copy(update={"images": [*stored.images, *media_ids][:30]})
            content_update.model_fields_set.add("images")
            product_contents.update(content, access, stored, content_update)
    except AppError as exc:
        found = app_error_fields(exc)
        if isinstance(exc, ValidationFailed) and exc.errors:
            found = {}
            for item in exc.errors:
                found.setdefault(item.field, item.message)
            found = _rename_errors(found, data)
            if file is not None and "_form" not in found and not any(k.startswith(("variants", "options", "title",
                                                                                      "handle")) for k in found):
                found = {"image": exc.detail or "This file cannot be used as an image."}
        elif "handle" in (exc.detail or "") or "SKU" in (exc.detail or ""):
            found = {"handle": exc.detail or "The handle or a SKU is already taken."}
        return again(found)
    return redirect(request, f"{ROOT}/products/{product.id}", "Product saved." if current else "Product created.")


@router.post(f"{ROOT}/products/new")
def create_product(
    request: Request, form: Form, actor: VendorEditor, session: CommerceSession, content: PageContentSession,
    storage: AppStorage, settings: AppSettings,
) -> Response:
    return _save(request, form, actor, session, content, storage, settings, None)


@router.post(f"{ROOT}/products/{{product_id}}")
def save_product(
    request: Request, product_id: str, form: Form, actor: VendorEditor, session: CommerceSession,
    content: PageContentSession, storage: AppStorage, settings: AppSettings,
) -> Response:
    return _save(request, form, actor, session, content, storage, settings, product_id)


def _set_status(request: Request, actor: Any, session: Session, product_id: str, status: ProductStatus) -> Response:
    writable_vendor(session, actor)
    _own_product(session, actor, product_id)
    catalog.update_product(session, product_id, ProductUpdate(status=status))
    message = "Published: the product is in your store." if status == ProductStatus.published else "Unpublished."
    return redirect(request, f"{ROOT}/products/{product_id}", message)


@router.post(f"{ROOT}/products/{{product_id}}/publish")
def publish(request: Request, product_id: str, actor: VendorEditor, session: CommerceSession) -> Response:
    return _set_status(request, actor, session, product_id, ProductStatus.published)


@router.post(f"{ROOT}/products/{{product_id}}/unpublish")
def unpublish(request: Request, product_id: str, actor: VendorEditor, session: CommerceSession) -> Response:
    return _set_status(request, actor, session, product_id, ProductStatus.draft)


# ---- volume tiers --------------------------------------------------------------------------------------


@router.post(f"{ROOT}/products/{{product_id}}/tiers")
def add_tier(
    request: Request, product_id: str, form: Form, actor: VendorEditor, session: CommerceSession,
    content: PageContentSession,
) -> Response:
    vendor = writable_vendor(session, actor)
    product = catalog.admin_view(_own_product(session, actor, product_id))
    values = {k.removeprefix("tier."): v for k, v in fields(
        form, "tier.variant_id", "tier.currency_code", "tier.min_quantity", "tier.max_quantity", "tier.unit_price"
    ).items()}
    data: dict[str, Any] = {
        "variant_id": values["variant_id"], "currency_code": values["currency_code"],
        "min_quantity": _int(values["min_quantity"]), "max_quantity": _int(values["max_quantity"]) or None,
        "unit_price": _amount(values["unit_price"], values["currency_code"] or vendor.default_currency),
    }
    body, errors = validate(TierIn, data, prefix="tier.")
    if body is not None and body.variant_id not in {v.id for v in product.variants}:
        errors = {"tier.variant_id": "Choose a variant of this product."}
    if body is not None and not errors:
        try:
            with session.begin_nested():
                volume_pricing.create_tier(session, body, scope.readable_variants(actor))
        except (ValidationFailed, AppError) as exc:
            errors = {f"tier.{k}" if k != "_form" else k: v for k, v in app_error_fields(exc, set(data)).items()}
    if body is None or errors:
        stored = content.scalar(select(ProductContent).where(ProductContent.product_id == product.id))
        tiers, _ = volume_pricing.list_tiers(session, scope.readable_tiers(actor), variant_id=None, limit=200,
                                             offset=0)
        return _render_form(request, vendor, session, content, product=product, values=_values_of(product, stored),
                            errors=errors, status_code=400,
                            tiers=[t for t in tiers if t.variant_id in {v.id for v in product.variants}])
    return redirect(request, f"{ROOT}/products/{product_id}#tiers", "Volume tier added.")


@router.post(f"{ROOT}/products/{{product_id}}/tiers/{{tier_id}}/delete")
def delete_tier(request: Request, product_id: str, tier_id: str, actor: VendorEditor,
                session: CommerceSession) -> Response:
    writable_vendor(session, actor)
    _own_product(session, actor, product_id)
    volume_pricing.delete_tier(session, volume_pricing.get_tier(session, scope.readable_tiers(actor), tier_id))
    return redirect(request, f"{ROOT}/products/{product_id}#tiers", "Volume tier removed.")

