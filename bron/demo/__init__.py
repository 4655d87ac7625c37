"""`bron demo`: a scripted scenario played against the running stack (`bron up`).

A birth, a consent granted, a move, a WOZ value set, the consent revoked and an app without a
purpose refused, each shown as the apps see it through the GraphQL gateway and their
subscription, and finally as the citizen sees it in their processing log.

- `bron.demo.data`: the scenario's fictitious persons, addresses and WOZ object (pure);
- `bron.demo.report`: what each step did and saw, and how it is printed (pure);
- `bron.demo.stack`: the registries' APIs, the gateway and the subscriptions (I/O);
- `bron.demo.scenario`: the steps, in order."""
