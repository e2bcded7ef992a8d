from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Path, Response
from sqlalchemy import func, select

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.carts import service as carts
from api.companies import service
from api.companies.models import ApprovalStatus, CompanyApproval, CompanyRole, CompanyStatus
from api.companies.schemas import (
    ApprovalDecisionIn,
    ApprovalOut,
    CompanyAdminUpdate,
    CompanyMeOut,
    CompanyOut,
    CompanyRegisterIn,
    EmployeeIn,
    EmployeeOut,
    EmployeeUpdate,
)
from api.deps import AppSettings, CommerceSession, require
from api.orders.models import Order
from api.orders.schemas import OrderOut
from api.pagination import Limit, Offset, Page
from api.payments import service as payments
from api.routing import Router

store = Router(prefix="/store/company", tags=["companies"])
admin = Router(prefix="/admin/companies", tags=["companies"])
platform_approvals = Router(prefix="/admin/company-approvals", tags=["companies"])
FinanceReader = Annotated[Actor, Depends(require(Scope.finance_read))]
FinanceWriter = Annotated[Actor, Depends(require(Scope.finance_write))]

Customer = Annotated[Actor, Depends(require(Scope.customer))]
AdminReader = Annotated[Actor, Depends(require(Scope.admin_read))]
AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
CompanyId = Annotated[str, Path(pattern=r"^comp_[a-z0-9]{1,35}$")]
UserId = Annotated[str, Path(pattern=r"^usr_[a-z0-9]{1,36}$")]
ApprovalId = Annotated[str, Path(pattern=r"^appr_[a-z0-9]{1,35}$")]
Decision = Annotated[ApprovalDecisionIn | None, Body()]


@store.post("/register", response_model=CompanyOut, status_code=201, summary="Register your company")
def register(body: CompanyRegisterIn, session: CommerceSession, actor: Customer) -> CompanyOut:
    company = service.register(session, actor, body)
    audit.record(session, actor, "company.registered", "company", company.id, {"name": company.name})
    return CompanyOut.model_validate(company)


@store.get("/me", response_model=CompanyMeOut, summary="Your company, its credit and your limits")
def me(session: CommerceSession, actor: Customer) -> CompanyMeOut:
    company = service.get_company(session, service.company_id_of(actor))
    used = service.credit_used(session, company.id)
    assert actor.id is not None
    return CompanyMeOut(
        **CompanyOut.model_validate(company).model_dump(),
        credit_used=used,
        credit_available=company.credit_limit - used,
        my_role=CompanyRole(actor.company_role or CompanyRole.buyer),
        my_spending_limit=service.spending_limit(session, actor.id),
    )


@store.get("/orders", response_model=Page[OrderOut], summary="Your company's orders")
def company_orders(session: CommerceSession, actor: Customer, limit: Limit = 20, offset: Offset = 0) -> Page[OrderOut]:
    statement = service.company_orders(actor)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset))
    return Page(items=[OrderOut.model_validate(o) for o in rows], total=total, limit=limit, offset=offset)


@store.get("/users", response_model=list[EmployeeOut], summary="Employees (company admins)")
def list_users(session: CommerceSession, actor: Customer) -> list[EmployeeOut]:
    service.require_role(actor, CompanyRole.admin)
    return service.list_employees(session, actor)


@store.post("/users", response_model=EmployeeOut, status_code=201, summary="Add an employee (company admins)")
def add_user(body: EmployeeIn, session: CommerceSession, actor: Customer) -> EmployeeOut:
    employee = service.add_employee(session, actor, body)
    audit.record(session, actor, "company.employee_added", "user", employee.user_id,
                 {"role": employee.role, "spending_limit": employee.spending_limit})
    return employee


@store.patch("/users/{user_id}", response_model=EmployeeOut, summary="Change an employee's role or limit")
def update_user(user_id: UserId, body: EmployeeUpdate, session: CommerceSession, actor: Customer) -> EmployeeOut:
    employee = service.update_employee(session, actor, user_id, body)
    audit.record(session, actor, "company.employee_updated", "user", user_id,
                 body.model_dump(mode="json", exclude_unset=True))
    return employee


@store.delete("/users/{user_id}", status_code=204, summary="Remove an employee from the company")
def remove_user(user_id: UserId, session: CommerceSession, actor: Customer) -> Response:
    service.remove_employee(session, actor, user_id)
    audit.record(session, actor, "company.employee_removed", "user", user_id)
    return Response(status_code=204)


@store.get("/approvals", response_model=Page[ApprovalOut], summary="Approval requests")
def list_approvals(
    session: CommerceSession,
    actor: Customer,
    status: ApprovalStatus | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ApprovalOut]:
    statement = service.company_approvals(actor)
    if status is not None:
        statement = statement.where(CompanyApproval.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(CompanyApproval.created_at.desc(), CompanyApproval.id).limit(limit).offset(offset)
    )
    return Page(items=[ApprovalOut.model_validate(a) for a in rows], total=total, limit=limit, offset=offset)


@store.get("/approvals/{approval_id}", response_model=ApprovalOut, summary="One approval request")
def get_approval(approval_id: ApprovalId, session: CommerceSession, actor: Customer) -> ApprovalOut:
    return ApprovalOut.model_validate(service.get_approval(session, actor, approval_id))


@store.post("/approvals/{approval_id}/approve", response_model=ApprovalOut, summary="Approve: the order is placed")
def approve(
    approval_id: ApprovalId, session: CommerceSession, settings: AppSettings, actor: Customer, body: Decision = None
) -> ApprovalOut:
    approval = carts.complete_approved(
        session, payments.provider_for(settings), actor, approval_id, body.note if body else None
    )
    audit.record(session, actor, "company.approval_approved", "company_approval", approval.id,
                 {"order_id": approval.order_id})
    return ApprovalOut.model_validate(approval)


@store.post("/approvals/{approval_id}/reject", response_model=ApprovalOut, summary="Reject: the cart stays open")
def reject(approval_id: ApprovalId, session: CommerceSession, actor: Customer, body: Decision = None) -> ApprovalOut:
    approval = service.decide(session, actor, approval_id, ApprovalStatus.rejected, body.note if body else None)
    audit.record(session, actor, "company.approval_rejected", "company_approval", approval.id)
    return ApprovalOut.model_validate(approval)


@admin.get("", response_model=Page[CompanyOut], summary="List companies")
def list_companies(
    session: CommerceSession, _: AdminReader, status: CompanyStatus | None = None, limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CompanyOut]:
    rows, total = service.list_companies(session, status=status, limit=limit, offset=offset)
    return Page(items=[CompanyOut.model_validate(c) for c in rows], total=total, limit=limit, offset=offset)


@admin.get("/{company_id}", response_model=CompanyOut, summary="Get a company")
def get_company(company_id: CompanyId, session: CommerceSession, _: AdminReader) -> CompanyOut:
    return CompanyOut.model_validate(service.get_company(session, company_id))


@admin.patch("/{company_id}", response_model=CompanyOut, summary="Set a company's name or credit limit")
def update_company(
    company_id: CompanyId, body: CompanyAdminUpdate, session: CommerceSession, actor: AdminWriter
) -> CompanyOut:
    company = service.update_company(session, company_id, body)
    audit.record(session, actor, "company.updated", "company", company.id, body.model_dump(mode="json",
                                                                                        exclude_unset=True))
    return CompanyOut.model_validate(company)


def _transition_route(action: str, target: CompanyStatus, summary: str) -> None:
    def transition(company_id: CompanyId, session: CommerceSession, actor: AdminWriter) -> CompanyOut:
        company = service.change_status(session, company_id, target)
        audit.record(session, actor, f"company.{action}", "company", company.id, {"status": company.status})
        return CompanyOut.model_validate(company)

    transition.__name__ = f"{action}_company"
    admin.add_api_route(
        f"/{{company_id}}/{action}", transition, methods=["POST"], response_model=CompanyOut, summary=summary
    )


_transition_route("approve", CompanyStatus.approved, "Approve a pending (or reinstate a suspended) company")
_transition_route("reject", CompanyStatus.rejected, "Reject a pending company")
_transition_route("suspend", CompanyStatus.suspended, "Suspend an approved company")


# ---- the platform's side of company approvals (over the credit limit) ------------------------------------


@platform_approvals.get("", response_model=Page[ApprovalOut], summary="Company approval requests")
def list_platform_approvals(
    session: CommerceSession, _: FinanceReader, needs_platform: bool | None = None,
    status: ApprovalStatus | None = None, limit: Limit = 50, offset: Offset = 0,
) -> Page[ApprovalOut]:
    statement = select(CompanyApproval)
    if needs_platform is not None:
        statement = statement.where(CompanyApproval.needs_platform == needs_platform)
    if status is not None:
        statement = statement.where(CompanyApproval.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(CompanyApproval.created_at.desc(), CompanyApproval.id).limit(limit).offset(offset)
    )
    return Page(items=[ApprovalOut.model_validate(a) for a in rows], total=total, limit=limit, offset=offset)


@platform_approvals.post("/{approval_id}/approve", response_model=ApprovalOut,
                         summary="Approve a company order as the platform (e.g. over its credit limit)")
def platform_approve(
    approval_id: ApprovalId, session: CommerceSession, settings: AppSettings, actor: FinanceWriter,
    body: Decision = None,
) -> ApprovalOut:
    approval = carts.complete_approved(session, payments.provider_for(settings), actor, approval_id,
                                       body.note if body else None, platform=True)
    audit.record(session, actor, "company.approval_approved_by_platform", "company_approval", approval.id,
                 {"order_id": approval.order_id, "amount": approval.amount})
    return ApprovalOut.model_validate(approval)


@platform_approvals.post("/{approval_id}/reject", response_model=ApprovalOut,
                         summary="Reject a company order as the platform")
def platform_reject(
    approval_id: ApprovalId, session: CommerceSession, actor: FinanceWriter, body: Decision = None
) -> ApprovalOut:
    approval = service.decide(session, actor, approval_id, ApprovalStatus.rejected, body.note if body else None,
                              platform=True)
    audit.record(session, actor, "company.approval_rejected_by_platform", "company_approval", approval.id)
    return ApprovalOut.model_validate(approval)
