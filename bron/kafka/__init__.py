"""The Kafka runtime: broker jars from Maven Central, a local KRaft broker, admin and clients."""
