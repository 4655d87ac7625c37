"""The webhook service (ADR 11, `bron webhooks dispatch`): apps register callback URLs with
filters, and the service delivers CloudEvents over HTTP for the notices of their per-app topics
(`bron.app.<appId>`), at least once, signed, logged in the processing log before they leave."""
