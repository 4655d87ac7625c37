"""The app store: app manifests, their conformance check against the current contracts, and
their registration in the register of apps and purposes."""
