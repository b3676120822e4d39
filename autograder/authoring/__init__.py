"""From solutions/ to what students get: stubs, notebooks, releases, declared variants and do-nothing probes."""
