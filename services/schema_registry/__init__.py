"""A Confluent-compatible schema registry whose only state is the `_schemas` Kafka topic."""
