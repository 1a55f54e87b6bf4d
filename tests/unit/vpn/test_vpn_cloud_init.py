"""The role's cloud-init template, rendered by Ansible's own templar with the role defaults."""

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 trusts every template (make test-oldest)
    def trust_as_template(value):
        return value

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "pritunl_vpn")


def trusted(value):
    """Role defaults are trusted templates inside Ansible; loaded by hand they must be tagged."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trusted(v) for v in value]
    if isinstance(value, dict):
        return dict((k, trusted(v)) for k, v in value.items())
    return value


def render(**overrides):
    with open(os.path.join(ROLE, "defaults", "main.yml")) as f:
        variables = trusted(yaml.safe_load(f))
    variables.update(owner="management", vpc_cidr="10.120.0.0/16")
    variables.update(overrides)
    with open(os.path.join(ROLE, "templates", "cloud-init.yml.j2")) as f:
        source = f.read()
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(source))


def commands(doc):
    return [" ".join(str(part) for part in cmd) if isinstance(cmd, list) else cmd for cmd in doc["runcmd"]]


@pytest.mark.parametrize("distribution", ["ubuntu-24.04", "amazon-linux-2023"])
def test_renders_valid_cloud_config(distribution):
    text = render(pritunl_vpn_distribution=distribution)
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict) and doc["runcmd"]
    assert "systemctl enable --now mongod pritunl" in commands(doc)
    assert "{{" not in text and "{%" not in text


def test_ubuntu_pins_both_packages_and_holds_them():
    doc = yaml.safe_load(render(pritunl_vpn_distribution="ubuntu-24.04", pritunl_vpn_pritunl_version="1.32.9999.1",
                                pritunl_vpn_mongodb_version="8.0.99"))
    install = [c for c in commands(doc) if "apt-get install" in c][0]
    assert "pritunl=1.32.9999.1*" in install
    assert "mongodb-org=8.0.99" in install and "mongodb-org-server=8.0.99" in install
    assert any(c.startswith("apt-mark hold pritunl mongodb-org") for c in commands(doc))
    sources = "".join(f["content"] for f in doc["write_files"])
    assert "noble/mongodb-org/8.0 multiverse" in sources and "/apt noble main" in sources
    # the keys are fetched before the first apt-get update that needs them
    order = commands(doc)
    assert max(i for i, c in enumerate(order) if "gpg --dearmor" in c) < order.index("apt-get update")


def test_amazon_linux_pins_packages_from_vendor_repositories():
    doc = yaml.safe_load(render(pritunl_vpn_distribution="amazon-linux-2023"))
    assert ["pritunl", "1.32.3805.95"] in doc["packages"]
    assert ["mongodb-org", "8.0.4"] in doc["packages"]
    assert doc["yum_repos"]["mongodb-org-8.0"]["baseurl"].endswith("/yum/amazon/2023/mongodb-org/8.0/x86_64/")
    assert doc["yum_repos"]["mongodb-org-8.0"]["gpgcheck"] is True
    assert doc["yum_repos"]["mongodb-org-8.0"]["gpgkey"].endswith("server-8.0.asc")
    assert doc["yum_repos"]["pritunl"]["gpgcheck"] is True


def test_fits_in_ec2_user_data():
    for distribution in ("ubuntu-24.04", "amazon-linux-2023"):
        assert len(render(pritunl_vpn_distribution=distribution).encode()) < 16384
