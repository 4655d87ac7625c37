"""What the source registries share at run time: database, codec, outbox and relay wiring."""
