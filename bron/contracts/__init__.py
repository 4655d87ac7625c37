"""The contracts between the registries and the apps: Avro schemas (`schemas/avro/`), their
lint and compatibility rules, and the CloudEvents envelope with its Avro wire format."""
