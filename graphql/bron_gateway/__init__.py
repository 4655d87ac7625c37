"""The GraphQL gateway: apps read the purpose-filtered projections (docs/adr/0009) with a Bearer
token and a purpose (doel) per query; every citizen read is written to the processing log, and
acknowledged, before any data is returned. Build the ASGI app with `bron_gateway.app`."""
