"""Fixtures for the security tests: a VPC tagged as vpc_tiers tags it."""

import pytest

from security_seed_vpc import build_vpc


@pytest.fixture
def seed_vpc(aws):
    return build_vpc()
