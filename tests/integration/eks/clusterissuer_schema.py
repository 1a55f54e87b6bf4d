"""JSON schema of the ClusterIssuer fields we render, as cert-manager (v1) documents them.

Core kinds are checked by kubernetes-validate; CRD kinds are not, so this covers them. Only the
ACME issuer with the Route53 DNS-01 solver is modelled; every object is closed
(``additionalProperties: false``), as a strict API server field validation would be, so a
misspelled field such as ``hostedZoneId`` fails.
"""

import jsonschema

STRING = {"type": "string"}
SECRET_KEY_SELECTOR = {"type": "object", "additionalProperties": False, "required": ["name"],
                       "properties": {"name": STRING, "key": STRING}}

ROUTE53 = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "accessKeyID": STRING,
        "accessKeyIDSecretRef": SECRET_KEY_SELECTOR,
        "secretAccessKeySecretRef": SECRET_KEY_SELECTOR,
        "hostedZoneID": STRING,
        "region": STRING,
        "role": STRING,
        "auth": {"type": "object", "additionalProperties": False, "required": ["kubernetes"], "properties": {
            "kubernetes": {"type": "object", "additionalProperties": False, "required": ["serviceAccountRef"],
                           "properties": {"serviceAccountRef": {
                               "type": "object", "additionalProperties": False, "required": ["name"],
                               "properties": {"name": STRING, "audiences": {"type": "array", "items": STRING}}}}}}},
    },
}

SOLVER = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "selector": {"type": "object", "additionalProperties": False, "properties": {
            "dnsNames": {"type": "array", "items": STRING},
            "dnsZones": {"type": "array", "items": STRING},
            "matchLabels": {"type": "object", "additionalProperties": STRING}}},
        "dns01": {"type": "object", "additionalProperties": False, "required": ["route53"], "properties": {
            "cnameStrategy": {"enum": ["None", "Follow"]},
            "route53": ROUTE53}},
    },
}

ACME = {
    "type": "object", "additionalProperties": False, "required": ["privateKeySecretRef", "server"],
    "properties": {
        "server": {"type": "string", "pattern": "^https://"},
        "email": STRING,
        "privateKeySecretRef": SECRET_KEY_SELECTOR,
        "solvers": {"type": "array", "items": SOLVER},
        "preferredChain": {"type": "string", "maxLength": 64},
        "profile": STRING,
        "caBundle": STRING,
        "skipTLSVerify": {"type": "boolean"},
        "disableAccountKeyGeneration": {"type": "boolean"},
        "enableDurationFeature": {"type": "boolean"},
    },
}

CLUSTER_ISSUER = {
    "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "cert-manager.io/v1"},
        "kind": {"const": "ClusterIssuer"},
        "metadata": {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
            "labels": {"type": "object", "additionalProperties": STRING},
            "annotations": {"type": "object", "additionalProperties": STRING}}},
        "spec": {"type": "object", "additionalProperties": False, "required": ["acme"],
                 "properties": {"acme": ACME}},
    },
}


def cluster_issuer_errors(doc):
    """Messages for every violation (empty when the object is valid)."""
    validator = jsonschema.Draft202012Validator(CLUSTER_ISSUER)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(doc)]
