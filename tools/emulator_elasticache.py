"""The ElastiCache subnet-group calls moto 5.2.5 lacks (it answers them with HTTP 500).

- DeleteCacheSubnetGroup: removes the group and its tags; CacheSubnetGroupNotFoundFault when
  there is none, CacheSubnetGroupInUse while a cluster or replication group uses it, as AWS.
- ModifyCacheSubnetGroup: a new description and/or subnets (checked as CreateCacheSubnetGroup
  checks them: one VPC), the same name, ARN and tags.

Nothing else changes. tools/emulator_server.py installs it inside the moto process.
"""

from moto.core.responses import ActionResult, EmptyResult
from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
from moto.elasticache.models import CacheSubnetGroup
from moto.elasticache.responses import ElastiCacheResponse


class CacheSubnetGroupInUse(ElastiCacheException):
    code = "CacheSubnetGroupInUse"

    def __init__(self, name):
        super().__init__("Cache subnet group %s is currently in use by a cache cluster." % name)


def _group(backend, name):
    if name not in backend.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(name)
    return backend.cache_subnet_groups[name]


def delete_cache_subnet_group(self):
    backend, name = self.elasticache_backend, self._get_param("CacheSubnetGroupName")
    group = _group(backend, name)
    users = list(backend.cache_clusters.values()) + list(getattr(backend, "replication_groups", {}).values())
    if any(getattr(user, "cache_subnet_group_name", None) == name for user in users):
        raise CacheSubnetGroupInUse(name)
    del backend.cache_subnet_groups[name]
    backend.tagging_service.delete_all_tags_for_resource(group.arn)
    return EmptyResult()


def modify_cache_subnet_group(self):
    backend, name = self.elasticache_backend, self._get_param("CacheSubnetGroupName")
    old = _group(backend, name)
    new = CacheSubnetGroup(account_id=backend.account_id, region_name=backend.region_name,
                           cache_subnet_group_name=name,
                           cache_subnet_group_description=self._get_param("CacheSubnetGroupDescription")
                           or old.cache_subnet_group_description,
                           subnet_ids=self._get_param("SubnetIds", []) or old.subnet_ids, tags=old.tags)
    backend.cache_subnet_groups[name] = new
    return ActionResult({"CacheSubnetGroup": new})


def install():
    """Patch moto in this process."""
    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group
    ElastiCacheResponse.modify_cache_subnet_group = modify_cache_subnet_group
