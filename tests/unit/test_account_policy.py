"""The account purge delay: how long a deleted account's data is kept (0: not at all)."""

from pathlib import Path

import pytest

from app.policy import Policy, PolicyError, load_policy


def test_a_deleted_account_is_purged_at_once_by_default():
    assert Policy().account_purge_delay_days == 0


def test_an_operator_can_keep_deleted_accounts_for_a_while(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text("account_purge_delay_days = 14")
    assert load_policy(path).account_purge_delay_days == 14


def test_a_negative_purge_delay_is_refused(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text("account_purge_delay_days = -1")
    with pytest.raises(PolicyError, match="account_purge_delay_days must be 0 or more"):
        load_policy(path)
