"""organization_accounts and account_info against the real emulator (no stubs)."""

import boto3
import pytest
from aws_proxy import AwsProxy

# seeds that draw a lost reply on a write (the run's requests, the lock's included, decide the draws)
SEEDS = [4, 9]
ACCOUNTS = [
    dict(name="development", email="development@example.com"),
    dict(name="production", email="production@example.com"),
]
ARGS = dict(owner="refarch", organizational_unit="workloads", accounts=ACCOUNTS)


def org_client():
    return boto3.client("organizations")


@pytest.fixture
def proxy(aws):
    p = AwsProxy(aws.port).start()
    yield p
    p.stop()


def test_creates_organization_ou_and_accounts_then_is_idempotent(aws, module, proxy):
    first = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url))
    assert not first.failed, first
    assert first["changed"]
    assert first["actions"] == [
        "create organization (feature set ALL)",
        "create organizational unit workloads",
        "create account development <development@example.com> in workloads",
        "create account production <production@example.com> in workloads",
    ]
    ou_id = first["organizational_unit"]["id"]
    org = org_client()
    in_ou = {a["Name"]: a["Id"] for a in org.list_accounts_for_parent(ParentId=ou_id)["Accounts"]}
    assert set(in_ou) == {"development", "production"}
    for name, acc in first["accounts"].items():
        assert acc["id"] == in_ou[name] and acc["owned"] and acc["parent"] == ou_id
        assert acc["role_arn"] == "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acc["id"]
        tags = {t["Key"]: t["Value"] for t in org.list_tags_for_resource(ResourceId=acc["id"])["Tags"]}
        assert tags["refarch:owner"] == "refarch" and tags["refarch:key"] == "account/" + name
    assert "DescribeCreateAccountStatus" in proxy.reads()

    proxy.clear()
    second = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url))
    assert not second.failed, second
    assert second["changed"] is False and second["actions"] == []
    assert proxy.writes() == []
    assert second["accounts"] == first["accounts"]


def test_check_mode_writes_nothing_and_reports_exactly(aws, module, proxy):
    preview = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url), check_mode=True, diff=True)
    assert not preview.failed, preview
    assert proxy.writes() == []
    assert preview["changed"]
    assert preview["diff"]["before"] == dict(organization=None, organizational_unit=None, accounts={})
    assert preview["diff"]["after"]["accounts"]["development"]["email"] == "development@example.com"
    real = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url))
    assert real["actions"] == preview["actions"]
    # on a converged organization check mode reports nothing and still writes nothing
    proxy.clear()
    again = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url), check_mode=True, diff=True)
    assert again["changed"] is False and proxy.writes() == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_adds_an_account_and_moves_only_our_own(aws, module):
    org = org_client()
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    # created some other way: same name+email as wanted, no owner tag -> used, never moved or tagged
    foreign = org.create_account(AccountName="development", Email="development@example.com")
    foreign_id = foreign["CreateAccountStatus"]["AccountId"]
    # ours but in the root (e.g. the OU was added to the inventory later) -> moved
    ours = org.create_account(AccountName="production", Email="production@example.com",
                              Tags=[{"Key": "refarch:owner", "Value": "refarch"},
                                    {"Key": "refarch:key", "Value": "account/production"}])
    ours_id = ours["CreateAccountStatus"]["AccountId"]
    result = module("organization_accounts", ARGS, diff=True)
    assert not result.failed, result
    ou_id = result["organizational_unit"]["id"]
    assert result["actions"] == [
        "create organizational unit workloads",
        "move account production (%s) from %s to workloads" % (ours_id, root),
    ]
    assert result["accounts"]["development"]["owned"] is False
    assert org.list_parents(ChildId=foreign_id)["Parents"][0]["Id"] == root
    assert org.list_tags_for_resource(ResourceId=foreign_id)["Tags"] == []
    assert org.list_parents(ChildId=ours_id)["Parents"][0]["Id"] == ou_id
    assert result["diff"]["before"]["accounts"]["production"]["parent"] == root
    assert result["diff"]["after"]["accounts"]["production"]["parent"] == ou_id


def test_email_used_by_another_account_fails_before_any_write(aws, module, proxy):
    org = org_client()
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="legacy", Email="production@example.com")
    proxy.clear()
    result = module("organization_accounts", dict(ARGS, endpoint_url=proxy.url))
    assert result.failed
    assert result["field"] == "accounts[1].email"
    assert "production@example.com is already used by account" in result["msg"] and "'legacy'" in result["msg"]
    assert proxy.writes() == []


def test_name_used_twice_and_bad_email_fail_before_any_call(aws, module, proxy):
    twice = module("organization_accounts", dict(owner="refarch", endpoint_url=proxy.url, accounts=[
        dict(name="development", email="a@example.com"), dict(name="development", email="b@example.com")]))
    assert twice.failed and twice["field"] == "accounts[1].name" and "used twice" in twice["msg"]
    bad = module("organization_accounts", dict(owner="refarch", endpoint_url=proxy.url,
                                               accounts=[dict(name="x", email="not-an-email")]))
    assert bad.failed and bad["field"] == "accounts[0].email"
    assert proxy.requests == []


def test_state_absent_is_refused(aws, module):
    result = module("organization_accounts", dict(ARGS, state="absent"))
    assert result.failed and "out of scope" in result["msg"]


def test_account_info_resolves_names_in_one_call(aws, module, proxy):
    module("organization_accounts", ARGS)
    proxy.clear()
    info = module("account_info", dict(endpoint_url=proxy.url, accounts=[
        dict(name="development"), dict(name="production", role_name="NetworkAdmin"),
        dict(name="elsewhere", id="444455556666")]))
    assert not info.failed, info
    assert proxy.requests and [a for a, _w, _f in proxy.requests] == ["ListAccounts"]
    dev = info["accounts"]["development"]
    assert dev["email"] == "development@example.com" and dev["status"] == "ACTIVE"
    assert dev["role_arn"] == "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % dev["id"]
    assert info["accounts"]["production"]["role_arn"].endswith(":role/NetworkAdmin")
    assert info["accounts"]["elsewhere"] == dict(
        id="444455556666", email=None, status=None,
        role_arn="arn:aws:iam::444455556666:role/OrganizationAccountAccessRole")


def test_account_info_with_ids_only_never_calls_organizations(aws, module, proxy):
    info = module("account_info", dict(endpoint_url=proxy.url, check_role=True,
                                       accounts=[dict(name="production", id="444455556666")]))
    assert not info.failed, info
    # the role check acts in the account: AssumeRole then GetCallerIdentity, nothing else
    assert [a for a, _w, _f in proxy.requests] == ["AssumeRole", "GetCallerIdentity"]


def test_account_info_unknown_name_lists_known_accounts(aws, module):
    module("organization_accounts", ARGS)
    info = module("account_info", dict(accounts=[dict(name="staging")]))
    assert info.failed and info["field"] == "accounts[0].name"
    assert "no account named 'staging'" in info["msg"]
    assert "development, master, production" in info["msg"]


def test_account_info_role_check_reports_a_refused_assume_role(aws, module):
    # The emulator lets any role be assumed; it does refuse an over-long session name (AWS's
    # 64-character limit), which exercises the same refusal path a missing trust would.
    module("organization_accounts", ARGS)
    info = module("account_info", dict(accounts=[dict(name="development")], check_role=True,
                                       assume_role_session_name="s" * 65))
    assert info.failed
    assert "cannot assume role arn:aws:iam::" in info["msg"] and "'development'" in info["msg"]


def test_account_info_invalid_inputs_fail_clearly(aws, module):
    bad_id = module("account_info", dict(accounts=[dict(name="x", id="12345")]))
    assert bad_id.failed and bad_id["field"] == "accounts[0].id" and "12 digits" in bad_id["msg"]
    bad_role = module("account_info", dict(accounts=[dict(name="x", id="123456789012", role_name="no spaces")]))
    assert bad_role.failed and bad_role["field"] == "accounts[0].role_name"


@pytest.mark.parametrize("built", [False, True])
def test_check_reports_exactly_what_the_real_run_does(aws, module, proxy, built):
    if built:  # an organization with one account in the root; then the OU and a second account
        module("organization_accounts", dict(owner="refarch", accounts=ACCOUNTS[:1], endpoint_url=proxy.url))
    wanted = dict(ARGS, endpoint_url=proxy.url)
    proxy.clear()
    check = module("organization_accounts", wanted, check_mode=True, diff=True)
    assert not check.failed, check
    assert proxy.writes() == []
    real = module("organization_accounts", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"]["before"] == real["diff"]["before"]
    if built:
        dev = real["accounts"]["development"]["id"]
        assert real["actions"] == ["create organizational unit workloads",
                                   "move account development (%s) from %s to workloads"
                                   % (dev, real["organization"]["root_id"]),
                                   "create account production <production@example.com> in workloads"]
        # a new account is one reported change of three writes: create, (wait), move into the OU;
        # the organization's lock is held around the writes (two runs never create one account twice)
        assert proxy.writes() == ["PutParameter", "CreateOrganizationalUnit", "MoveAccount", "CreateAccount", "MoveAccount",
                                  "DeleteParameter"]


@pytest.mark.parametrize("seed", SEEDS)
def test_ou_and_moves_converge_through_faults_and_lost_replies(aws, module, seed):
    # CreateAccount is left out: the emulator makes a second account for a retried create, where
    # AWS refuses the e-mail the first attempt took (the case tests/unit/engine covers).
    module("organization_accounts", dict(owner="refarch", accounts=ACCOUNTS))
    with AwsProxy(aws.port, fault_rate=0.3, seed=seed, faults=("500", "503", "drop", "lost_reply")) as faulty:
        out = module("organization_accounts", dict(ARGS, endpoint_url=faulty.url))
        assert not out.failed, out
        assert [a for a, w, f in faulty.requests if w and f == "lost_reply"], "seed drew no lost reply on a write"
    org = org_client()
    ous = org.list_organizational_units_for_parent(ParentId=org.list_roots()["Roots"][0]["Id"])["OrganizationalUnits"]
    assert [ou["Name"] for ou in ous] == ["workloads"] and out["organizational_unit"]["id"] == ous[0]["Id"]
    in_ou = sorted(a["Name"] for a in org.list_accounts_for_parent(ParentId=ous[0]["Id"])["Accounts"])
    assert in_ou == ["development", "production"]
    with AwsProxy(aws.port) as clean:
        again = module("organization_accounts", dict(ARGS, endpoint_url=clean.url))
        assert again["changed"] is False and clean.writes() == []
