"""What every company portal page shares: its router, who may open it (a signed-in customer; company pages
also need the customer's company, approved), and the layout context."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.companies import service as companies
from api.companies.models import Company, CompanyRole, CompanyStatus
from api.errors import Conflict, NotFound
from api.web.auth import require_page_scope
from api.web.render import render
from api.web.router import page_router
from api.web.vendor_portal.common import major

ROOT = "/company-portal"
router = page_router(ROOT)

Customer = Annotated[Actor, Depends(require_page_scope(Scope.customer))]

STATUS_TEXT = {
    CompanyStatus.pending_approval: "Your company is waiting for review by the platform team. Once approved, your "
    "team can order on the company's account.",
    CompanyStatus.rejected: "Your company's registration was not accepted. Contact the platform team for details.",
    CompanyStatus.suspended: "Your company is suspended by the platform team: orders on its account are paused.",
}


def company_of(session: Session, actor: Actor) -> Company:
    """The actor's company (404 page when the actor has none)."""
    if actor.company_id is None:
        raise NotFound("You do not belong to a company yet: register one first.")
    return companies.get_company(session, actor.company_id)


def active_company(session: Session, actor: Actor) -> Company:
    company = company_of(session, actor)
    if company.status != CompanyStatus.approved:
        raise Conflict(STATUS_TEXT[CompanyStatus(company.status)])
    return company


def is_admin(actor: Actor) -> bool:
    return actor.company_role == CompanyRole.admin


def is_approver(actor: Actor) -> bool:
    return actor.company_role in companies.APPROVERS


def page(request: Request, template: str, company: Company, actor: Actor, section: str,
         context: dict[str, Any] | None = None, *, status_code: int = 200) -> HTMLResponse:
    values: dict[str, Any] = {"company": company, "section": section, "is_admin": is_admin(actor),
                              "is_approver": is_approver(actor), "role": actor.company_role, "major": major}
    values.update(context or {})
    return render(request, f"company_portal/{template}", values, status_code=status_code)
