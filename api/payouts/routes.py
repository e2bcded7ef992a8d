from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Path, Query

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.commission_runs import lineage
from api.commission_runs.schemas import LineageOut
from api.deps import AppSettings, CommerceSession, require
from api.errors import ServiceUnavailable
from api.pagination import Limit, Offset, Page
from api.payouts import service
from api.payouts.models import PayoutStatus
from api.payouts.schemas import PayoutDecisionIn, PayoutOut
from api.routing import Router
from connectors.payouts import PayoutProvider, PayoutUnavailable, make_payout_provider

admin = Router(prefix="/admin/payouts", tags=["payouts"])

FinanceReader = Annotated[Actor, Depends(require(Scope.finance_read))]
FinanceWriter = Annotated[Actor, Depends(require(Scope.finance_write))]
PayoutId = Annotated[str, Path(pattern=r"^po_[a-z0-9]{1,37}$")]


def provider_for(settings: AppSettings) -> PayoutProvider:
    try:
        return make_payout_provider(
            settings.payout_provider, stripe_api_key=settings.stripe_api_key, stripe_api_base=settings.stripe_api_base
        )
    except PayoutUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc


@admin.get("", response_model=Page[PayoutOut], summary="List payouts")
def list_payouts(
    session: CommerceSession,
    _: FinanceReader,
    vendor_id: Annotated[str | None, Query(max_length=40)] = None,
    status: PayoutStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PayoutOut]:
    rows, total = service.list_payouts(session, vendor_id=vendor_id, status=status, limit=limit, offset=offset)
    return Page(items=[PayoutOut.model_validate(p) for p in rows], total=total, limit=limit, offset=offset)


@admin.get("/{payout_id}", response_model=PayoutOut, summary="Get a payout")
def get_payout(payout_id: PayoutId, session: CommerceSession, _: FinanceReader) -> PayoutOut:
    return PayoutOut.model_validate(service.get_payout(session, payout_id))


@admin.get("/{payout_id}/lineage", response_model=LineageOut,
           summary="What makes up a payout: commission lines, order lines, rule versions, refunds")
def payout_lineage(payout_id: PayoutId, session: CommerceSession, _: FinanceReader) -> LineageOut:
    return LineageOut.model_validate(lineage.payout_lineage(session, payout_id))


@admin.post("/{payout_id}/approve", response_model=PayoutOut, summary="Approve and pay a requested payout")
def approve(payout_id: PayoutId, session: CommerceSession, settings: AppSettings, actor: FinanceWriter) -> PayoutOut:
    payout = service.approve(session, provider_for(settings), payout_id, actor.id)
    audit.record(session, actor, "payout.approved", "payout", payout.id,
                 {"status": payout.status, "amount": payout.amount, "reference": payout.provider_reference})
    return PayoutOut.model_validate(payout)


@admin.post("/{payout_id}/reject", response_model=PayoutOut, summary="Reject a requested payout")
def reject(
    payout_id: PayoutId,
    session: CommerceSession,
    actor: FinanceWriter,
    body: Annotated[PayoutDecisionIn | None, Body()] = None,
) -> PayoutOut:
    payout = service.reject(session, payout_id, actor.id, body.note if body else None)
    audit.record(session, actor, "payout.rejected", "payout", payout.id, {"amount": payout.amount})
    return PayoutOut.model_validate(payout)
