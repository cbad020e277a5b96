"""What the pictures API answers: a picture with the addresses of its sizes."""

from __future__ import annotations

from marshmallow import Schema, fields

from domain.pictures.pictures import COVER, GALLERY, LOGO


class PictureSizeSchema(Schema):
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    url = fields.String(required=True, metadata={
        "description": "Where the WebP file is served (immutable: cache it for a year)"})


class PictureSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, metadata={"enum": [COVER, GALLERY, LOGO]})
    alt = fields.String(required=True, metadata={"description": "What the picture shows"})
    content_hash = fields.String(required=True, metadata={
        "description": "SHA-256 of the file as uploaded"})
    sizes = fields.List(fields.Nested(PictureSizeSchema), required=True, metadata={
        "description": "Narrowest first"})
    added_at = fields.DateTime(required=True)


class PictureListSchema(Schema):
    pictures = fields.List(fields.Nested(PictureSchema), required=True)
