"""The proofs' JSON: hashes as base64 (standard alphabet, padded), as in RFC 9162's examples."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas import RequestSchema

SIZE = validate.Range(min=0, max=2**62)
HASH = {"description": "A SHA-256 hash, base64", "example": "bH5l2C3lYpH3Jx0Zf9p6S0j1x3G6ePzq"
                                                             "Gk0m0qWwqJg="}


class InclusionQuerySchema(RequestSchema):
    position = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62),
                              metadata={"description": "The event's position in the log"})
    tree_size = fields.Integer(required=True, validate=SIZE, metadata={
        "description": "The size of the tree to prove against (a checkpoint's tree size)"})


class ConsistencyQuerySchema(RequestSchema):
    first = fields.Integer(required=True, data_key="from", validate=SIZE,
                           metadata={"description": "The older tree size"})
    second = fields.Integer(required=True, data_key="to", validate=SIZE,
                            metadata={"description": "The newer tree size"})


class InclusionProofSchema(Schema):
    leaf_index = fields.Integer(required=True, metadata={
        "description": "The entry's leaf in the tree (0-based; positions may have gaps)"})
    tree_size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True, metadata=HASH)
    hashes = fields.List(fields.String(metadata=HASH), required=True, metadata={
        "description": "The audit path of RFC 9162 section 2.1.3, from the leaf up"})


class ConsistencyProofSchema(Schema):
    hashes = fields.List(fields.String(metadata=HASH), required=True, metadata={
        "description": "The consistency proof of RFC 9162 section 2.1.4"})


class ProblemSchema(Schema):
    kind = fields.String(required=True, metadata={
        "enum": ["modified", "reordered", "deleted", "inserted", "tree", "checkpoint"]})
    position = fields.Integer(allow_none=True, metadata={
        "description": "The log position concerned, when there is one"})
    message = fields.String(required=True)


class AuditVerificationSchema(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True, metadata={"description": "Events in the log"})
    sealed = fields.Integer(required=True, metadata={"description": "Leaves in the tree"})
    unsealed = fields.Integer(required=True, metadata={
        "description": "Events recorded since the sealer last ran (not a problem)"})
    checkpoints = fields.Integer(required=True)
    latest_checkpoint = fields.Integer(allow_none=True, metadata={
        "description": "The latest signed checkpoint's tree size"})
    seconds = fields.Float(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class LogReceiptProofSchema(InclusionProofSchema):
    position = fields.Integer(required=True)


class LogReceiptSchema(Schema):
    format = fields.String(required=True, metadata={"example": "civicfund-receipt/1"})
    entries = fields.List(fields.Dict(), required=True, metadata={
        "description": "The log entries (position, aggregate_id, aggregate_version, topic, "
                       "recorded_at, actor, correlation_id, payload); each one's leaf is its "
                       "canonical JSON"})
    proofs = fields.List(fields.Nested(LogReceiptProofSchema), required=True, metadata={
        "description": "One inclusion proof per entry, in the tree of the checkpoint"})
    checkpoint = fields.String(required=True, metadata={
        "description": "The signed checkpoint (C2SP signed note) the proofs lead to"})
    verifier_key = fields.String(required=True, metadata={
        "description": "The key that signed it (signed-note verifier key)"})
