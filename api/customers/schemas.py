from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.auth import passwords
from api.regions.schemas import CountryCode


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    address_1: str = Field(min_length=1, max_length=300)
    address_2: str | None = Field(default=None, max_length=300)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    province: str | None = Field(default=None, max_length=100)
    country_code: CountryCode
    phone: str | None = Field(default=None, max_length=40)


class AddressOut(AddressIn):
    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    full_name: str | None
    created_at: datetime
