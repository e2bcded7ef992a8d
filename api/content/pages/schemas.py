"""Page blocks: a discriminated union on `blockType`, every block validated and bounded."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from api.content.common import Input, LongText, Name, PatchInput, RefId, SafeUrl, ShortText, Slug
from api.content.richtext import RichText

Heading = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Cta(Input):
    label: Heading
    url: SafeUrl


class HeroBlock(Input):
    block_type: Literal["hero"]
    heading: Heading
    subheading: ShortText | None = None
    image: RefId | None = None
    cta: Cta | None = None


class RichTextBlock(Input):
    block_type: Literal["richText"]
    content: RichText


class ProductGridBlock(Input):
    block_type: Literal["productGrid"]
    heading: Heading | None = None
    product_ids: Annotated[list[RefId], Field(min_length=1, max_length=48)] | None = None
    category_id: RefId | None = None
    columns: Annotated[int, Field(ge=1, le=6)] = 3

    @model_validator(mode="after")
    def _one_source(self) -> ProductGridBlock:
        if (self.product_ids is None) == (self.category_id is None):
            raise ValueError("a product grid takes either productIds or categoryId")
        return self


class CallToActionBlock(Input):
    block_type: Literal["callToAction"]
    text: Heading
    url: SafeUrl
    style: Literal["primary", "secondary", "link"] = "primary"


class ImageBlock(Input):
    block_type: Literal["image"]
    image: RefId
    caption: ShortText | None = None


class FaqItem(Input):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class FaqBlock(Input):
    block_type: Literal["faq"]
    items: Annotated[list[FaqItem], Field(min_length=1, max_length=50)]


Block = Annotated[
    HeroBlock | RichTextBlock | ProductGridBlock | CallToActionBlock | ImageBlock | FaqBlock,
    Field(discriminator="block_type"),
]
Blocks = Annotated[list[Block], Field(max_length=50)]


class PageCreate(Input):
    tenant: RefId | None = None
    title: Name
    slug: Slug
    blocks: Blocks = []
    seo_title: ShortText | None = None
    seo_description: LongText | None = None


class PageUpdate(PatchInput):
    """Goes to the draft; `POST /api/pages/{id}/publish` makes the draft live."""

    required_fields = frozenset({"title", "slug", "blocks"})

    title: Name | None = None
    slug: Slug | None = None
    blocks: Blocks | None = None
    seo_title: ShortText | None = None
    seo_description: LongText | None = None
