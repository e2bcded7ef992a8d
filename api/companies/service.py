"""Companies (B2B buyers), their employees, credit and order approvals.

- A logged-in customer registers a company (`pending_approval`) and becomes its `admin` employee; an admin of
  the platform approves, rejects or suspends it.
- Company admins manage employees (`admin`, `buyer`, `approver`) and their per-order spending limits.
- An employee of an **approved** company orders on the company's account. The order needs an approval first
  when its total is over the employee's spending limit, over the company's remaining credit (credit limit
  minus company orders authorised and not yet captured), or in another currency than the company's. The cart
  then stays open and completing it answers 202 with the approval request; an approver or company admin
  (never the requester) approves it, which places the order through the normal checkout, or rejects it.
- Over the credit limit the platform set, the company cannot approve its own order: the request
  (`needs_platform`) waits for a platform admin or finance (`/admin/company-approvals/{id}/approve`), whose
  approval is the platform's decision to extend that credit. Every approval re-checks the credit under the
  company row lock (`SELECT ... FOR UPDATE`), as checkout does, so concurrent checkouts and approvals never
  both spend the same credit: a company approval that would now go over the limit answers 409 and the request
  passes to the platform.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.actor import Actor
from api.auth.models import Role, User
from api.clock import utcnow
from api.companies.models import (
    APPROVAL_STATUS,
    COMPANY_STATUS,
    ApprovalStatus,
    Company,
    CompanyApproval,
    CompanyEmployee,
    CompanyRole,
    CompanyStatus,
)
from api.companies.schemas import CompanyAdminUpdate, CompanyRegisterIn, EmployeeIn, EmployeeOut, EmployeeUpdate
from api.errors import Conflict, Forbidden, NotFound
from api.orders.models import Order, PaymentStatus
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent

APPROVERS = (CompanyRole.admin, CompanyRole.approver)


# ---- scoping: everything a company actor reads is built from the actor -----------------------------------


def company_id_of(actor: Actor) -> str:
    if actor.company_id is None:
        raise NotFound("You do not belong to a company.")
    return actor.company_id


def require_role(actor: Actor, *roles: CompanyRole) -> str:
    company_id = company_id_of(actor)
    if actor.company_role not in roles:
        raise Forbidden(f"Only company {' or '.join(r.value for r in roles)}s may do this.")
    return company_id


def company_orders(actor: Actor) -> Select[Order]:
    return select(Order).where(Order.company_id == company_id_of(actor))


def company_approvals(actor: Actor) -> Select[CompanyApproval]:
    """Approvers and admins see every request of their company; buyers see their own."""
    statement = select(CompanyApproval).where(CompanyApproval.company_id == company_id_of(actor))
    if actor.company_role not in APPROVERS:
        statement = statement.where(CompanyApproval.requested_by == actor.id)
    return statement


def company_employees(actor: Actor) -> Select[User]:
    return select(User).where(User.company_id == company_id_of(actor))


# ---- companies -----------------------------------------------------------------------------------------


def get_company(session: Session, company_id: str, *, for_update: bool = False) -> Company:
    statement = select(Company).where(Company.id == company_id)
    if for_update:
        statement = statement.with_for_update()
    company = session.scalar(statement)
    if company is None:
        raise NotFound("No such company.")
    return company


def register(session: Session, actor: Actor, body: CompanyRegisterIn) -> Company:
    user = session.get(User, actor.id, with_for_update=True)
    if user is None or user.role != Role.customer:
        raise Forbidden("Only customers register companies.")
    if user.company_id is not None:
        raise Conflict("You already belong to a company.")
    company = Company(
        name=body.name,
        tax_id=body.tax_id,
        billing_address=body.billing_address.model_dump(),
        shipping_address=body.shipping_address.model_dump() if body.shipping_address else None,
        currency_code=body.currency_code,
        credit_limit=0,
        status=CompanyStatus.pending_approval,
        version=1,
    )
    session.add(company)
    session.flush()
    user.company_id, user.company_role = company.id, CompanyRole.admin
    session.add(CompanyEmployee(user_id=user.id, company_id=company.id, spending_limit=None))
    session.flush()
    session.refresh(company)
    _emit(session, "company.registered", company.id, {"name": company.name, "registered_by": user.id})
    return company


def _emit(session: Session, topic: str, company_id: str, payload: dict[str, object]) -> None:
    outbox.record(session, CommerceOutboxEvent, topic, "company", company_id, {"company_id": company_id, **payload})


def list_companies(
    session: Session, *, status: CompanyStatus | None, limit: int, offset: int
) -> tuple[list[Company], int]:
    statement = select(Company)
    if status is not None:
        statement = statement.where(Company.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Company.created_at.desc(), Company.id).limit(limit).offset(offset))
    return list(rows), total


def change_status(session: Session, company_id: str, target: CompanyStatus) -> Company:
    company = get_company(session, company_id, for_update=True)
    company.status = COMPANY_STATUS.transition(company.status, target)
    company.version += 1
    session.flush()
    session.refresh(company)
    _emit(session, f"company.{company.status}", company.id, {"name": company.name, "status": company.status})
    return company


def update_company(session: Session, company_id: str, body: CompanyAdminUpdate) -> Company:
    company = get_company(session, company_id, for_update=True)
    if body.name is not None:
        company.name = body.name
    if body.credit_limit is not None:
        company.credit_limit = body.credit_limit
    company.version += 1
    session.flush()
    session.refresh(company)
    return company


def credit_used(session: Session, company_id: str) -> int:
    """What the company owes: its orders authorised and not yet captured."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Order.total), 0)).where(
                Order.company_id == company_id, Order.payment_status == PaymentStatus.authorized
            )
        )
        or 0
    )


# ---- employees -----------------------------------------------------------------------------------------


def _employee_out(user: User, limit: int | None) -> EmployeeOut:
    return EmployeeOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=CompanyRole(user.company_role or CompanyRole.buyer),
        spending_limit=limit,
    )


def spending_limit(session: Session, user_id: str) -> int | None:
    employee = session.get(CompanyEmployee, user_id)
    return employee.spending_limit if employee else None


def list_employees(session: Session, actor: Actor) -> list[EmployeeOut]:
    users = session.scalars(company_employees(actor).order_by(User.created_at, User.id))
    return [_employee_out(u, spending_limit(session, u.id)) for u in users]


def _employee(session: Session, actor: Actor, user_id: str) -> User:
    user = session.scalar(company_employees(actor).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("No such employee.")
    return user


def _keep_an_admin(session: Session, company_id: str, leaving: User) -> None:
    """Lock the company, then refuse to leave it without an admin."""
    get_company(session, company_id, for_update=True)
    admins = session.scalar(
        select(func.count()).where(
            User.company_id == company_id, User.company_role == CompanyRole.admin, User.id != leaving.id
        )
    )
    if leaving.company_role == CompanyRole.admin and not admins:
        raise Conflict("A company keeps at least one admin.")


def add_employee(session: Session, actor: Actor, body: EmployeeIn) -> EmployeeOut:
    company_id = require_role(actor, CompanyRole.admin)
    user = auth_service.create_user(
        session, email=body.email, password=body.password, role=Role.customer, full_name=body.full_name,
        company_id=company_id, company_role=body.role,
    )
    session.add(CompanyEmployee(user_id=user.id, company_id=company_id, spending_limit=body.spending_limit))
    session.flush()
    return _employee_out(user, body.spending_limit)


def update_employee(session: Session, actor: Actor, user_id: str, body: EmployeeUpdate) -> EmployeeOut:
    company_id = require_role(actor, CompanyRole.admin)
    user = _employee(session, actor, user_id)
    if body.role is not None and body.role != user.company_role:
        _keep_an_admin(session, company_id, user)
        user.company_role = body.role
    employee = session.get(CompanyEmployee, user.id) or CompanyEmployee(user_id=user.id, company_id=company_id)
    if "spending_limit" in body.model_fields_set:
        employee.spending_limit = body.spending_limit
    session.add(employee)
    session.flush()
    return _employee_out(user, employee.spending_limit)


def remove_employee(session: Session, actor: Actor, user_id: str) -> None:
    company_id = require_role(actor, CompanyRole.admin)
    user = _employee(session, actor, user_id)
    _keep_an_admin(session, company_id, user)
    user.company_id, user.company_role = None, None
    employee = session.get(CompanyEmployee, user.id)
    if employee is not None:
        session.delete(employee)
    session.flush()


# ---- checkout and approvals ----------------------------------------------------------------------------


def buying_company(session: Session, actor: Actor) -> Company | None:
    """The company an order of `actor` is placed for: theirs if it is approved, locked for the credit check."""
    if actor.company_id is None:
        return None
    company = get_company(session, actor.company_id, for_update=True)
    return company if company.status == CompanyStatus.approved else None


def approval_reasons(session: Session, company: Company, actor: Actor, total: int, currency: str) -> list[str]:
    """Why an order of `total` by `actor` needs an approver; empty if it does not."""
    if currency != company.currency_code:
        return [f"The order is in {currency}, the company buys in {company.currency_code}."]
    reasons = []
    assert actor.id is not None
    limit = spending_limit(session, actor.id)
    if limit is not None and total > limit:
        reasons.append(f"The total {total} is over your spending limit {limit}.")
    remaining = remaining_credit(session, company)
    if total > remaining:
        reasons.append(f"{OVER_CREDIT} {total} is over the company's remaining credit {remaining}.")
    return reasons


OVER_CREDIT = "Over the credit limit: the total"


def remaining_credit(session: Session, company: Company) -> int:
    """The credit limit the platform set minus what the company owes (call with the company row locked)."""
    return company.credit_limit - credit_used(session, company.id)


def pending_approval(session: Session, cart_id: str) -> CompanyApproval | None:
    return session.scalar(
        select(CompanyApproval).where(
            CompanyApproval.cart_id == cart_id, CompanyApproval.status == ApprovalStatus.pending
        )
    )


def request_approval(
    session: Session, company: Company, actor: Actor, cart_id: str, total: int, currency: str, reasons: list[str],
    payment_method: str | None,
) -> CompanyApproval:
    assert actor.id is not None
    approval = CompanyApproval(
        company_id=company.id, cart_id=cart_id, requested_by=actor.id, amount=total, currency_code=currency,
        reasons=reasons, payment_method=payment_method, status=ApprovalStatus.pending,
        needs_platform=any(r.startswith(OVER_CREDIT) for r in reasons),
    )
    session.add(approval)
    session.flush()
    session.refresh(approval)
    _emit(session, "company.approval_requested", company.id, {
        "approval_id": approval.id, "requested_by": actor.id, "amount": total, "currency_code": currency,
        "reasons": reasons,
    })
    return approval


def get_approval(session: Session, actor: Actor, approval_id: str, *, for_update: bool = False) -> CompanyApproval:
    statement = company_approvals(actor).where(CompanyApproval.id == approval_id)
    if for_update:
        statement = statement.with_for_update()
    approval = session.scalar(statement)
    if approval is None:
        raise NotFound("No such approval request.")
    return approval


def decide(
    session: Session, actor: Actor, approval_id: str, target: ApprovalStatus, note: str | None,
    *, platform: bool = False,
) -> CompanyApproval:
    """Approve or reject a pending request: an approver or company admin other than the requester, or (with
    `platform`, for routes only platform admins and finance reach) the platform. Approving locks the company
    row and re-checks its credit: over the limit only the platform approves (409 for the company)."""
    if platform:
        approval = session.scalar(select(CompanyApproval).where(CompanyApproval.id == approval_id).with_for_update())
        if approval is None:
            raise NotFound("No such approval request.")
    else:
        require_role(actor, *APPROVERS)
        approval = get_approval(session, actor, approval_id, for_update=True)
        if approval.requested_by == actor.id:
            raise Forbidden("Another approver must decide on your own request.")
    company = get_company(session, approval.company_id, for_update=True)
    if target == ApprovalStatus.approved and not platform and (
        approval.needs_platform or approval.amount > remaining_credit(session, company)
    ):
        raise Conflict("The order is over the company's credit limit: a platform admin must approve it.",
                       remaining_credit=remaining_credit(session, company))
    approval.status = APPROVAL_STATUS.transition(approval.status, target)
    approval.decided_by, approval.decided_at, approval.note = actor.id, utcnow(), note
    session.flush()
    return approval
