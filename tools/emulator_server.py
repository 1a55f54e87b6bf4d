#!/usr/bin/env python
"""moto's server with the calls moto 5.2.5 lacks that the collection makes, added inside its process:

- Route53's cross-account private zone association (tools/emulator_route53.py);
- ElastiCache's DeleteCacheSubnetGroup and ModifyCacheSubnetGroup (tools/emulator_elasticache.py).

    python tools/emulator_server.py -H 127.0.0.1 -p PORT    # same arguments as moto_server
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import emulator_elasticache  # noqa: E402  (tools/ is not a package)
import emulator_route53  # noqa: E402

if __name__ == "__main__":
    emulator_route53.install()
    emulator_elasticache.install()
    from moto.server import main
    sys.argv[0] = "moto_server"
    sys.exit(main())
