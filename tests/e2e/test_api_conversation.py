"""The conversation through the API: post, list, answer, report, hide, follow and preferences,
with stable error codes and nothing recorded on bad input."""

from __future__ import annotations

import pytest

from domain.kernel.context import Actor, acting_as
from tests.conftest import bearer
from tests.e2e.test_settlement_pages import recorded

MARKUP = "<img src=x onerror=alert(1)> Is it <b>safe</b>?"


class Talk:
    def __init__(self, world, platform):
        self.platform = platform
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city, "officer@porto.example.org")
        self.citizen = world.account("citizen", "rita@porto.example.org", name="Rita Sousa")
        self.neighbour = world.citizen()
        self.proposer = world.account("proposer", "ciclo@porto.example.org", name="Ciclo")
        self.auditor = world.account("auditor")
        self.id = world.project(self.city, self.officer, title="Bike counters")
        self.tokens = {who: bearer(world.token(getattr(self, who)))
                       for who in ("officer", "citizen", "neighbour", "proposer", "auditor")}

    def as_(self, who):
        return self.tokens[who]


@pytest.fixture
def talk(world, platform):
    return Talk(world, platform)


def post(client, talk, who="citizen", **body):
    return client.post(f"/api/v1/projects/{talk.id}/comments", headers=talk.as_(who),
                       json={"kind": "question", "text": MARKUP, **body})


def test_post_list_and_answer_as_the_city_and_the_proposer(client, talk):
    made = post(client, talk)
    assert made.status_code == 201
    question = made.get_json()
    assert (question["kind"], question["author"], question["text"]) == ("question", "Rita Sousa",
                                                                        MARKUP)
    answered = client.post(f"/api/v1/comments/{question['id']}/answers",
                           headers=talk.as_("officer"), json={"text": "Yes."})
    assert answered.status_code == 201
    assert [(a["answered_as"], a["text"]) for a in answered.get_json()["answers"]] == [
        ("city", "Yes.")]
    refused = client.post(f"/api/v1/comments/{question['id']}/answers",
                          headers=talk.as_("proposer"), json={"text": "Me too"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    with acting_as(Actor(str(talk.officer), "city"), "test"):
        talk.platform.app.assign_delivery_owner(talk.id, talk.proposer)
    talk.platform.projections.catch_up()
    assert client.post(f"/api/v1/comments/{question['id']}/answers",
                       headers=talk.as_("proposer"), json={"text": "Counts only."}
                       ).status_code == 201

    listed = client.get(f"/api/v1/projects/{talk.id}/comments").get_json()["comments"]
    assert [a["answered_as"] for a in listed[0]["answers"]] == ["city", "proposer"]
    assert listed[0]["reports"] is None  # only officers see report counts


@pytest.mark.parametrize("body, status, code", [
    ({"text": "   "}, 422, "invalid_comment"),
    ({"text": "x" * 2001}, 422, "invalid_comment"),
    ({"text": "bell\u0007"}, 422, "invalid_comment"),
    ({"kind": "shout"}, 422, "invalid"),
    ({"extra": 1}, 422, "invalid"),
])
def test_bad_posts_are_refused_and_nothing_is_recorded(client, talk, platform, body, status,
                                                       code):
    before = recorded(platform)
    refused = post(client, talk, **body)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (status, code)
    assert recorded(platform) == before
    assert client.get(f"/api/v1/projects/{talk.id}/comments").get_json() == {"comments": []}


def test_signed_out_and_auditors_do_not_post(client, talk, platform):
    before = recorded(platform)
    anonymous = client.post(f"/api/v1/projects/{talk.id}/comments",
                            json={"kind": "comment", "text": "hi"})
    assert anonymous.status_code == 401
    assert post(client, talk, "auditor").status_code == 403
    assert recorded(platform) == before


def test_report_then_hide_keeps_it_for_its_author_only(client, talk):
    item = post(client, talk, kind="comment").get_json()
    reported = client.post(f"/api/v1/comments/{item['id']}/report", headers=talk.as_("neighbour"))
    assert reported.get_json() == {"reported": True, "new": True}
    again = client.post(f"/api/v1/comments/{item['id']}/report", headers=talk.as_("neighbour"))
    assert again.get_json() == {"reported": True, "new": False}
    seen = client.get(f"/api/v1/projects/{talk.id}/comments", headers=talk.as_("officer"))
    assert seen.get_json()["comments"][0]["reports"] == 1

    assert client.post(f"/api/v1/comments/{item['id']}/hide", headers=talk.as_("neighbour"),
                       json={"reason": "no"}).status_code == 403
    empty = client.post(f"/api/v1/comments/{item['id']}/hide", headers=talk.as_("officer"),
                        json={"reason": ""})
    assert empty.get_json()["error"]["code"] == "invalid_comment"
    hidden = client.post(f"/api/v1/comments/{item['id']}/hide", headers=talk.as_("officer"),
                         json={"reason": "Off topic"})
    assert hidden.status_code == 200
    assert (hidden.get_json()["hidden"], hidden.get_json()["hidden_reason"]) == (True,
                                                                                 "Off topic")
    twice = client.post(f"/api/v1/comments/{item['id']}/hide", headers=talk.as_("officer"),
                        json={"reason": "Again"})
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "invalid_state")

    assert client.get(f"/api/v1/projects/{talk.id}/comments").get_json() == {"comments": []}
    others = client.get(f"/api/v1/projects/{talk.id}/comments", headers=talk.as_("neighbour"))
    assert others.get_json() == {"comments": []}
    own = client.get(f"/api/v1/projects/{talk.id}/comments", headers=talk.as_("citizen"))
    assert own.get_json()["comments"][0]["hidden_reason"] == "Off topic"
    assert client.post(f"/api/v1/comments/{item['id']}/report",
                       headers=talk.as_("neighbour")).status_code == 404


def test_follow_unfollow_and_preferences(client, talk, platform):
    url = f"/api/v1/projects/{talk.id}/follow"
    assert client.get(url, headers=talk.as_("citizen")).get_json() == {"following": False}
    assert client.put(url, headers=talk.as_("citizen")).get_json() == {"following": True}
    assert client.get(url, headers=talk.as_("citizen")).get_json() == {"following": True}
    assert client.delete(url, headers=talk.as_("citizen")).get_json() == {"following": False}
    prefs = "/api/v1/me/conversation-preferences"
    assert client.get(prefs, headers=talk.as_("citizen")).get_json() == {
        "digest": "each", "on_backer_wall": False}
    assert client.put(prefs, headers=talk.as_("citizen"),
                      json={"digest": "weekly", "on_backer_wall": True}).get_json() == {
        "digest": "weekly", "on_backer_wall": True}
    before = recorded(platform)
    bad = client.put(prefs, headers=talk.as_("citizen"), json={"digest": "hourly"})
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (422, "invalid")
    assert recorded(platform) == before


def test_unknown_pilots_and_items_are_404(client, talk):
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/api/v1/projects/{missing}/comments").status_code == 404
    assert client.post(f"/api/v1/comments/{missing}/answers", headers=talk.as_("officer"),
                       json={"text": "hi"}).status_code == 404
