"""Schemathesis against the OpenAPI document: generated requests to every operation never get a 5xx.

Runs in-process against the ASGI app (schemathesis 4's pytest integration), with a read+ingest key,
a bounded number of examples per operation so the whole run stays around a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tenure.store import Store
from tenure.web import auth, create_app, directory
from web.conftest import web_business

# The document does not depend on the data, so it is read from an app without a store at collection;
# the requests go to an app over a fresh store per test run.
schema = schemathesis.openapi.from_dict(create_app(cast(Store, None), background=False).openapi())


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("openapi")
    store = Store.open(f"sqlite:///{tmp / 'api.db'}")
    store.import_folder(web_business(tmp / "data"))
    directory.rebuild(store)
    key = {"Authorization": f"Bearer {auth.create_api_key(store, 'ingest,read')}"}
    app = create_app(store, background=False)
    yield app, key
    app.state.background.join()
    store.close()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
    database=None,
)
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case, api: tuple[Any, dict[str, str]]) -> None:
    app, key = api
    case.call_and_validate(app=app, headers=key, checks=[not_a_server_error], excluded_checks=[])
