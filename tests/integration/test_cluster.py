"""The deployment beyond one machine, for real: nginx in front of two app instances
sharing PostgreSQL and Redis (deploy/cluster.py, as `make run-cluster` runs it)."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http_client import Client
from tests.support.servers import free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from deploy.cluster import (  # noqa: E402
    Cluster,
    drop_postgres_database,
    running,
    wait_until_healthy,
)

# One worker sets the cluster up once for the module (make test runs two: --dist loadgroup).
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    database_url = (
        "postgresql+psycopg://postgres@127.0.0.1:5432/"
        f"record_cpd_test_cluster_{uuid.uuid4().hex[:8]}"
    )
    cluster = Cluster(
        run_dir=tmp_path_factory.mktemp("cluster"),
        database_url=database_url,
        redis_url="redis://127.0.0.1:6379/5",
        port=free_port(),
        workers=1,
    )
    try:
        with running(cluster):
            yield cluster
    finally:
        drop_postgres_database(database_url)


def _access_log_lines(cluster: Cluster, number: int) -> int:
    log = cluster.run_dir / f"instance-{number}-access.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_health_checks_the_database_and_redis_through_the_proxy(cluster: Cluster) -> None:
    status, body, headers = Client(cluster.port).request("GET", "/health")
    assert status == 200
    assert '"database":"ok"' in body.replace(" ", "")
    assert '"redis":"ok"' in body.replace(" ", "")
    assert headers["Server"] == "nginx"
    assert headers["Cache-Control"] == "no-store"


def test_the_proxy_shares_requests_between_the_instances(cluster: Cluster) -> None:
    before = [_access_log_lines(cluster, n) for n in range(2)]
    for _ in range(10):
        assert Client(cluster.port).request("GET", "/cookies")[0] == 200
    after = [_access_log_lines(cluster, n) for n in range(2)]
    assert all(later > earlier for earlier, later in zip(before, after, strict=True)), (
        before,
        after,
    )


def test_hashed_static_files_keep_their_year_long_cache_through_the_proxy(
    cluster: Cluster,
) -> None:
    client = Client(cluster.port)
    _status, page, _headers = client.request("GET", "/cookies")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', page)
    assert stylesheet, "the page links no hashed stylesheet"
    status, _css, headers = client.request("GET", stylesheet.group(1))
    assert status == 200
    assert "immutable" in headers["Cache-Control"]


def test_a_signed_in_person_carries_on_when_an_instance_dies_and_comes_back(
    cluster: Cluster,
) -> None:
    client = Client(cluster.port)
    client.sign_up(cluster.database_url)
    assert client.request("GET", "/your-cpd")[0] == 200

    cluster.kill_instance(0)
    try:
        # Every request now lands on the other instance, with the same session.
        for _ in range(6):
            status, page, _headers = client.request("GET", "/your-cpd")
            assert status == 200
            assert "Sign in" not in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)[0]
    finally:
        cluster.start_instance(0)
    assert wait_until_healthy(cluster.instances[0].url)["database"] == "ok"
