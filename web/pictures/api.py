"""A pilot's pictures through API v1: anyone who may see the pilot lists them; its delivery owner
or its city's officers add one (a multipart upload: kind, alt, picture) or remove one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, request, url_for

from adapters.picture_queries import PictureView
from domain.pictures.pictures import PROJECT, PictureTooLarge
from web.api import bp
from web.api.http import ApiError, caller, not_found, require_caller
from web.api.schemas import one
from web.crowdfunding.api.projects import DELIVERERS, delivered_project, visible_project
from web.pictures.api_schemas import PictureListSchema, PictureSchema
from web.pictures.uploading import TOO_LARGE
from web.pictures.uploading import add_picture as add
from web.pictures.uploading import remove_picture as remove
from web.services import platform


def picture_data(picture: PictureView) -> dict[str, Any]:
    return {"id": picture.picture_id, "kind": picture.kind, "alt": picture.alt,
            "content_hash": picture.content_hash, "added_at": picture.added_at,
            "sizes": [{"width": w, "height": h,
                       "url": url_for("pictures.file", key=picture.key(w))}
                      for w, h in picture.sizes]}


def _listed(project_id: UUID):
    return jsonify(one(PictureListSchema).dump({"pictures": [
        picture_data(p) for p in platform().read.pictures_of(PROJECT, project_id).pictures]}))


@bp.get("/projects/<uuid:project_id>/pictures")
def list_pictures(project_id: UUID):
    visible_project(project_id, caller())
    return _listed(project_id)


@bp.post("/projects/<uuid:project_id>/pictures")
def add_picture(project_id: UUID):
    user = require_caller(*DELIVERERS)
    delivered_project(project_id, user)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type",
                       "Send the picture as multipart/form-data: kind, alt and picture")
    sent = request.files.get("picture")
    try:
        picture = add(PROJECT, project_id, kind=request.form.get("kind", ""),
                      data=sent.read() if sent else b"", alt=request.form.get("alt", ""),
                      actor=user.actor)
    except PictureTooLarge:
        raise ApiError(413, "too_large", TOO_LARGE) from None
    return (jsonify(one(PictureSchema).dump(picture_data(picture))), 201,
            {"Location": url_for("api.list_pictures", project_id=project_id)})


@bp.delete("/projects/<uuid:project_id>/pictures/<uuid:picture_id>")
def delete_picture(project_id: UUID, picture_id: UUID):
    user = require_caller(*DELIVERERS)
    delivered_project(project_id, user)
    found = platform().read.picture(picture_id)
    if found is None or found.owner_id != project_id:
        raise not_found("picture")
    remove(PROJECT, project_id, picture_id, actor=user.actor)
    return _listed(project_id)
