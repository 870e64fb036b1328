import pytest

from tests.conftest import PASSWORD, submit

pytestmark = pytest.mark.db


@pytest.fixture
def app(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    return app


def test_repeated_failures_for_one_account_are_refused_politely(client, user):
    for _ in range(3):
        assert (
            submit(client, "/sign-in", {"email": user.email, "password": "wrong guess"}).status_code
            == 200
        )
    response = submit(client, "/sign-in", {"email": user.email, "password": "wrong guess"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "You have tried too many times" in page
    assert "reset your password" in page
    assert "Retry-After" in response.headers
    # Even the right password waits: the attacker must not learn it was right.
    assert (
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 429
    )


def test_failures_for_one_account_do_not_lock_out_other_accounts(client, user):
    for _ in range(4):
        submit(client, "/sign-in", {"email": "someone.else@example.com", "password": "wrong guess"})
    assert (
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_successful_sign_ins_do_not_count(client, user):
    for _ in range(6):
        response = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        client.get("/signed-out")
        with client.session_transaction() as session:
            session.clear()


def test_one_address_trying_many_accounts_is_refused(client):
    for n in range(5):
        submit(client, "/sign-in", {"email": f"person{n}@example.com", "password": "wrong guess"})
    response = submit(
        client, "/sign-in", {"email": "person9@example.com", "password": "wrong guess"}
    )
    assert response.status_code == 429
