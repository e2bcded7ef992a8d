from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Response
from pydantic import AwareDatetime

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.commissions import service
from api.commissions.models import LineType, RuleScope
from api.commissions.schemas import CommissionLineOut, RuleIn, RuleOut, RuleUpdate, RuleVersionIn
from api.deps import CommerceSession, require
from api.pagination import Limit, Offset, Page
from api.routing import Router

rules = Router(prefix="/admin/commission-rules", tags=["commissions"])
lines = Router(prefix="/admin/commissions", tags=["commissions"])

AdminWriter = Annotated[Actor, Depends(require(Scope.admin_write))]
FinanceReader = Annotated[Actor, Depends(require(Scope.finance_read))]
RuleId = Annotated[str, Path(pattern=r"^crule_[a-z0-9]{1,34}$")]
FilterId = Annotated[str | None, Query(max_length=40)]


@rules.get("", response_model=Page[RuleOut], summary="List commission rules")
def list_rules(
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.admin_read))],
    scope: RuleScope | None = None,
    vendor_id: FilterId = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RuleOut]:
    rows, total = service.list_rules(session, scope=scope, vendor_id=vendor_id, limit=limit, offset=offset)
    return Page(items=[RuleOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@rules.post("", response_model=RuleOut, status_code=201, summary="Create a rule (no overlap in time per target)")
def create_rule(body: RuleIn, session: CommerceSession, actor: AdminWriter) -> RuleOut:
    rule = service.create_rule(session, body)
    audit.record(session, actor, "commission_rule.created", "commission_rule", rule.id, body.model_dump(mode="json"))
    return RuleOut.model_validate(rule)


@rules.get("/{rule_id}", response_model=RuleOut, summary="Get a commission rule")
def get_rule(
    rule_id: RuleId, session: CommerceSession, _: Annotated[Actor, Depends(require(Scope.admin_read))]
) -> RuleOut:
    return RuleOut.model_validate(service.get_rule(session, rule_id))


@rules.patch("/{rule_id}", response_model=RuleOut, summary="Change a rule (e.g. end it with valid_to)")
def update_rule(rule_id: RuleId, body: RuleUpdate, session: CommerceSession, actor: AdminWriter) -> RuleOut:
    rule = service.update_rule(session, rule_id, body)
    audit.record(
        session, actor, "commission_rule.updated", "commission_rule", rule.id, body.model_dump(mode="json",
                                                                                               exclude_unset=True)
    )
    return RuleOut.model_validate(rule)


@rules.post("/{rule_id}/versions", response_model=RuleOut, status_code=201,
            summary="Change a rule's terms: close this version and open the next one (sales keep their terms)")
def new_version(rule_id: RuleId, body: RuleVersionIn, session: CommerceSession, actor: AdminWriter) -> RuleOut:
    rule = service.new_version(session, rule_id, body)
    audit.record(session, actor, "commission_rule.versioned", "commission_rule", rule.id,
                 {"previous_version_id": rule_id, **body.model_dump(mode="json")})
    return RuleOut.model_validate(rule)


@rules.delete("/{rule_id}", status_code=204, summary="Delete a rule (lines keep their terms)")
def delete_rule(rule_id: RuleId, session: CommerceSession, actor: AdminWriter) -> Response:
    service.delete_rule(session, rule_id)
    audit.record(session, actor, "commission_rule.deleted", "commission_rule", rule_id)
    return Response(status_code=204)


@lines.get("", response_model=Page[CommissionLineOut], summary="The commission ledger, filtered")
def list_lines(
    session: CommerceSession,
    _: FinanceReader,
    vendor_id: FilterId = None,
    order_id: FilterId = None,
    type: LineType | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CommissionLineOut]:
    rows, total = service.list_lines(
        session, vendor_id=vendor_id, order_id=order_id, line_type=type, since=since, until=until, limit=limit,
        offset=offset,
    )
    return Page(items=[CommissionLineOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@lines.get("/lines/{line_id}", response_model=CommissionLineOut, summary="One commission line")
def get_line(
    line_id: Annotated[str, Path(pattern=r"^cline_[a-z0-9]{1,34}$")], session: CommerceSession, _: FinanceReader
) -> CommissionLineOut:
    return CommissionLineOut.model_validate(service.get_line(session, line_id))
