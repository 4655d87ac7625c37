"""BAG (addresses and buildings): the registry's pure domain, store, service and API."""
