"""schemathesis over the OpenAPI document, against the app in-process (WSGI) on the demo's data:
every operation gets a bounded number of generated requests, valid and invalid, with a citizen's
or a city officer's token. No answer may be a 5xx, and every answer must be one the document
declares (status, content type, body schema). Input the document calls valid must also pass the
API's own schema checks: a 422 `invalid` for it means the document promises more than the server
accepts.

Some rules cannot be said in JSON Schema: a `closes_at` after `opens_at` (documented on those
fields) is filtered in, here, rather than generated and refused.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import START, make_platform
from web.api.openapi import OPERATIONS
from web.app import create_app
from web.demo import load_demo

# Generated requests per operation and kind (valid, invalid): 100 of each, fewer for the two
# largest bodies, keep the whole run under about three minutes on two cores (measured: README's
# Tests section). CIVICFUND_SCHEMATHESIS_EXAMPLES=1000 explores further by hand.
MAX_EXAMPLES = int(os.environ.get("CIVICFUND_SCHEMATHESIS_EXAMPLES", "100"))
# The two largest bodies take several times longer to generate: half as many.
EXAMPLES = {operation_id: MAX_EXAMPLES // 2
            for operation_id in ("create_project_post", "create_matching_fund_post")}
# Run last: they close, cancel or complete the demo's pilots and fund, so the rest still reach
# live objects first.
LAST = ("complete_project_post", "close_campaign_post", "cancel_project_post",
        "close_matching_fund_post")

# Operations a city officer's token calls (the rest go with a citizen's).
OFFICER_OPERATIONS = {
    "create_project_post", "open_campaign_post", "close_campaign_post", "cancel_project_post",
    "start_delivery_post", "complete_project_post", "assign_delivery_owner_post",
    "post_update_post", "plan_milestone_post", "complete_milestone_post",
    "create_matching_fund_post", "amend_matching_rules_post", "top_up_matching_fund_post",
    "close_matching_fund_post", "create_department_post", "add_budget_line_post",
    "commit_to_project_post", "withdraw_commitment_delete",
    "add_picture_post", "delete_picture_delete",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The demo's cities, accounts, pilots, pledges and Porto fund, on a fixed clock."""
    url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'civicfund.sqlite3'}"
    platform = make_platform(url, FixedClock(START))
    load_demo(platform)
    app = create_app({"TESTING": True, "SECRET_KEY": "schemathesis"}, platform=platform)
    accounts = platform.accounts
    citizen = accounts.by_email("citizen@demo.civicfund.org")
    officer = accounts.by_email("porto@demo.civicfund.org")
    porto = platform.read.city_named("Porto")
    if not platform.read.departments(porto.id):
        # A department with a line and a commitment, so its operations reach real objects.
        with acting_as(Actor(str(officer.id), "city"), "schemathesis-seed"):
            department = platform.app.create_department(city_id=porto.id, name="Transport")
            line = platform.app.add_budget_line(department, name="Active travel",
                                                fiscal_year=2026,
                                                amount=Money.parse("50000.00", porto.currency))
            pilot = next(p for p in platform.read.projects(city_id=porto.id, status="open"))
            platform.app.commit_to_project(pilot.id, budget_line_id=line, conditional=True,
                                           amount=Money.parse("100.00", porto.currency))
        platform.projections.catch_up()
    known = {
        "project_id": [p.id for p in platform.read.projects(city_id=porto.id, limit=10)],
        "pledge_id": [p.id for p in platform.read.pledges_of(citizen.id)],
        "fund_id": [f.id for f in platform.read.matching_funds(porto.id)],
        "department_id": [d.id for d in platform.read.departments(porto.id)],
        "commitment_id": [c.id for p in platform.read.projects(city_id=porto.id, limit=10)
                          for c in platform.read.commitments_to(p.id)],
    }
    yield {
        "app": app, "platform": platform, "known": known,
        "citizen": accounts.issue_token(citizen.id), "officer": accounts.issue_token(officer.id),
    }
    platform.close()


def _window_in_order(body) -> bool:
    """closes_at after opens_at, where a body gives both (JSON Schema cannot say it)."""
    if not isinstance(body, dict):
        return True
    opens, closes = body.get("opens_at"), body.get("closes_at")
    if not (isinstance(opens, str) and isinstance(closes, str)):
        return True
    try:
        return datetime.fromisoformat(closes) > datetime.fromisoformat(opens)
    except ValueError:
        return True


@pytest.fixture(scope="module")
def api_schema(seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded["app"])

    @schema.hook("flatmap_path_parameters")
    def real_ids_too(context, path_parameters):
        """Often ids of things that exist (the demo's Porto pilots, the citizen's pledges,
        Porto's fund), so requests get past the 404."""
        if not isinstance(path_parameters, dict):
            return st.just(path_parameters)
        choices = {
            name: st.sampled_from([value, *map(str, seeded["known"].get(name, []))])
            for name, value in path_parameters.items()
            if seeded["known"].get(name)
        }
        return st.fixed_dictionaries({**{k: st.just(v) for k, v in path_parameters.items()},
                                      **choices})

    @schema.hook("filter_body")
    def windows_in_order(context, body):
        return _window_in_order(body)

    return schema


def schema_valid_input_passes_the_schema(ctx, response, case) -> None:
    """Valid by the document, valid by the server's schema: never a 422 `invalid`."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return None
    if response.status_code == 422 and response.json()["error"]["code"] == "invalid":
        raise AssertionError(
            "The document accepts what the server's schema refuses: "
            f"{response.json()['error']['fields']}"
        )
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, schema_valid_input_passes_the_schema]

def _runs() -> list:
    """Every operation with valid requests, and with invalid ones where it takes any input;
    the ones that end the demo's campaigns last."""
    runs = []
    for endpoint, operations in sorted(OPERATIONS.items()):
        for method, operation in sorted(operations.items()):
            operation_id = f"{endpoint.split('.', 1)[1]}_{method}"
            runs.append(pytest.param(operation_id, GenerationMode.POSITIVE,
                                     id=f"{operation_id}-valid"))
            if operation.get("parameters") or operation.get("requestBody"):
                runs.append(pytest.param(operation_id, GenerationMode.NEGATIVE,
                                         id=f"{operation_id}-invalid"))
    return sorted(runs, key=lambda run: LAST.index(run.values[0]) if run.values[0] in LAST
                  else -1)


@pytest.mark.parametrize(("operation_id", "mode"), _runs())
def test_the_api_answers_as_documented_and_never_fails(api_schema, seeded, operation_id, mode):
    operation = api_schema.find_operation_by_id(operation_id)
    token = seeded["officer" if operation_id in OFFICER_OPERATIONS else "citizen"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES.get(operation_id, MAX_EXAMPLES), deadline=None,
              derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    answers_as_documented()
