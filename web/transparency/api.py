"""Public proofs from the transparency log's tree (RFC 9162): that an event is in the tree of a
given size, and that a tree of one size extends one of a smaller size."""

from __future__ import annotations

from uuid import UUID

from flask import jsonify

from adapters.transparency_log import AfterTreeSize, BeyondLog, UnknownPosition
from domain.transparency.notes import b64
from web.api import bp
from web.api.http import ApiError, query_args, require_caller
from web.api.schemas import one
from web.crowdfunding.api.pledges import own_pledge
from web.services import platform
from web.transparency.api_schemas import (
    AuditVerificationSchema,
    ConsistencyProofSchema,
    ConsistencyQuerySchema,
    InclusionProofSchema,
    InclusionQuerySchema,
)


def beyond_log(error: BeyondLog, size: int) -> ApiError:
    return ApiError(422, "tree_size_beyond_log",
                    f"The tree holds {error.held} entries; no tree of {size} exists yet",
                    fields={"tree_size": [f"at most {error.held}"]})


@bp.get("/transparency/proofs/inclusion")
def inclusion_proof():
    wanted = query_args(one(InclusionQuerySchema))
    position, size = wanted["position"], wanted["tree_size"]
    try:
        proof = platform().transparency.inclusion(position, size)
    except BeyondLog as error:
        raise beyond_log(error, size) from None
    except UnknownPosition:
        raise ApiError(404, "unknown_position",
                       f"No entry at position {position} is in the log's tree") from None
    except AfterTreeSize as error:
        raise ApiError(422, "position_beyond_tree_size",
                       f"The entry at position {position} is leaf {error.index}: it is in trees "
                       f"of more than {error.index} entries, not in one of {size}",
                       fields={"tree_size": [f"more than {error.index}"]}) from None
    return jsonify(one(InclusionProofSchema).dump({
        "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
        "leaf_hash": b64(proof.leaf_hash), "hashes": [b64(h) for h in proof.hashes],
    }))


@bp.get("/transparency/proofs/consistency")
def consistency_proof():
    wanted = query_args(one(ConsistencyQuerySchema))
    first, second = wanted["first"], wanted["second"]
    if first > second:
        raise ApiError(422, "from_after_to",
                       f"from ({first}) must not be larger than to ({second})",
                       fields={"from": [f"at most {second}"]})
    try:
        hashes = platform().transparency.consistency(first, second)
    except BeyondLog as error:
        raise beyond_log(error, second) from None
    return jsonify(one(ConsistencyProofSchema).dump({"hashes": [b64(h) for h in hashes]}))


@bp.get("/audit/verify")
def audit_verify():
    """Auditors (and administrators): the whole log checked against its tree and checkpoints."""
    require_caller("auditor", "admin")
    report = platform().verify_log()
    return jsonify(one(AuditVerificationSchema).dump(report.as_dict()))


@bp.get("/pledges/<uuid:pledge_id>/receipt")
def pledge_receipt(pledge_id: UUID):
    """The caller's pledge's receipt bundle: its entries, their inclusion proofs, the signed
    checkpoint and the verifier key (tools/verify_receipt.py checks it offline)."""
    pledge = own_pledge(pledge_id, require_caller())
    return jsonify(platform().receipt(pledge.id))
