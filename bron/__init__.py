"""Bron's core: settings, the `bron` CLI, the Kafka runtime and topic declarations.

The core imports third-party libraries only; services, streams and the gateway build on it.
"""

__version__ = "0.1.0"
