"""The approval workflow, pure: policies, routing with escalation, and the request's state machine.

No I/O and no clock reads: every method takes the time (``at=``) and the
directory of who may approve; services load and save.

* `status`: the statuses, their moves, what
  each means for credit, and the Emporix names.
* `selectors`: who a tier's rules name.
* `policy`: tiers (an AND of ORs), thresholds
  and validity.
* `auto_approval`: rules that place an order
  needing approval at once.
* `groups`: a company's approval group.
* `approver_limits`: how much an approver may approve.
* `default_rules`: the standard rules (admin, buyer, requester) as the
  built-in policy, and [`is_approval_required`][b2b_customers.approvals.is_approval_required].
* `directory`: everything eligibility depends on.
* `routing`: who may approve, and escalation.
* `progress`: approvals and rejections per tier.
* `audit`: the audit trail.
* `request`: the [`ApprovalRequest`][b2b_customers.approvals.ApprovalRequest].
* `sweep`: expiring due requests.
* `events`: the domain events a move emits.
"""

from b2b_customers.approvals.actors import SELLER, Actor, ActorKind, SellerApprover
from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.approvals.audit import ApprovalAction, AuditEntry
from b2b_customers.approvals.auto_approval import AutoApproval
from b2b_customers.approvals.default_rules import (
    DEFAULT_POLICY,
    DEFAULT_POLICY_ID,
    default_policy,
    is_approval_required,
)
from b2b_customers.approvals.directory import ApprovalDirectory
from b2b_customers.approvals.events import events_for
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.approvals.policy import ApprovalPolicy, ApprovalRule, ApprovalTier, Validity
from b2b_customers.approvals.progress import TierProgress, Verdict
from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.approvals.routing import (
    Assessment,
    Candidate,
    RoutingCase,
    TierRoute,
    crossed_by,
    eligible_approvers,
    plan_routes,
    recorded_routes,
    route,
)
from b2b_customers.approvals.selectors import (
    ApproverSelector,
    CompanyApprovers,
    CustomerApprover,
    DecisionApprovers,
    GroupApprover,
    ManagerApprover,
    RoleApprover,
    SellerApprovers,
    StandardApprovers,
)
from b2b_customers.approvals.status import (
    EMPORIX_STATUS,
    FINAL_STATUSES,
    OPEN_STATUSES,
    RELEASES_CREDIT,
    ApprovalStatus,
    CreditEffect,
    credit_effect,
    from_emporix,
    to_emporix,
)
from b2b_customers.approvals.sweep import due_for_expiry, expire_due

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_POLICY_ID",
    "EMPORIX_STATUS",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "RELEASES_CREDIT",
    "SELLER",
    "Actor",
    "ActorKind",
    "ApprovalAction",
    "ApprovalDirectory",
    "ApprovalGroup",
    "ApprovalPolicy",
    "ApprovalRequest",
    "ApprovalRule",
    "ApprovalStatus",
    "ApprovalTier",
    "ApproverLimit",
    "ApproverSelector",
    "Assessment",
    "AuditEntry",
    "AutoApproval",
    "Candidate",
    "CompanyApprovers",
    "CreditEffect",
    "CustomerApprover",
    "DecisionApprovers",
    "GroupApprover",
    "ManagerApprover",
    "RoleApprover",
    "RoutingCase",
    "SellerApprover",
    "SellerApprovers",
    "StandardApprovers",
    "TierProgress",
    "TierRoute",
    "Validity",
    "Verdict",
    "credit_effect",
    "crossed_by",
    "default_policy",
    "due_for_expiry",
    "eligible_approvers",
    "events_for",
    "expire_due",
    "from_emporix",
    "is_approval_required",
    "plan_routes",
    "recorded_routes",
    "route",
    "to_emporix",
]
