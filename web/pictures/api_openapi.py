"""The pictures routes' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from domain.pictures.pictures import COVER, GALLERY, LOGO, MAX_ALT
from web.investment.api_openapi import SECURED, _body, _uuid
from web.pictures.api_schemas import PictureListSchema, PictureSchema

TAG = ["pictures"]
PROJECT = [_uuid("project_id", "project")]
CHANGE = {"401": "Unauthorised", "403": "Forbidden", "404": "NotFound"}

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.list_pictures": {"get": {
        "summary": "A pilot's pictures (its cover, gallery and proposer's logo) with their alt "
                   "text and the addresses of their sizes",
        "tags": TAG, "parameters": PROJECT,
        "responses": {"200": _body(PictureListSchema, "The pictures"), "404": "NotFound"},
    }},
    "api.add_picture": {"post": {
        "summary": "The pilot's delivery owner or an officer of its city uploads a picture: a "
                   "JPEG, PNG or WebP file (decided by its content) up to 5 MB and 40 "
                   "megapixels, with alt text. It is resized to WebP and stripped of metadata. "
                   "A cover or logo replaces the one before; the gallery holds six",
        "tags": TAG, "security": SECURED, "parameters": PROJECT,
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["kind", "alt", "picture"],
            "properties": {
                "kind": {"type": "string", "enum": [COVER, GALLERY, LOGO]},
                "alt": {"type": "string", "minLength": 1, "maxLength": MAX_ALT,
                        "description": "What the picture shows, for people who cannot see it"},
                "picture": {"type": "string", "format": "binary"},
            }}}}},
        "responses": {
            "201": _body(PictureSchema, "The picture"), **CHANGE,
            "413": _body("Error", "413 too_large: the upload is larger than 5 MB"),
            "415": _body("Error", "415 unsupported_media_type: send multipart/form-data"),
            "422": _body("Error", "422 not_an_image (not a readable picture: text, SVG, "
                                  "truncated), unsupported_image_type (GIF, TIFF, ...), "
                                  "too_many_pixels (a decompression bomb), alt_text_required, "
                                  "too_many_pictures or invalid_picture: nothing is stored"),
        },
    }},
    "api.delete_picture": {"delete": {
        "summary": "The delivery owner or an officer removes a picture; its files go too",
        "tags": TAG, "security": SECURED,
        "parameters": [*PROJECT, _uuid("picture_id", "picture")],
        "responses": {"200": _body(PictureListSchema, "The pictures left"), **CHANGE},
    }},
}
