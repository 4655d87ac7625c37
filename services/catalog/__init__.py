"""The data stewards' catalog (`bron catalog serve`): plain server-rendered HTML pages on what
Bron holds and who sees what, with no personal data on any page.

`gather` asks the running components (broker, schema registry, projection store, the files of
the app store); `render` turns what it found into HTML and does nothing else; `html` escapes
every text by construction; `app` serves the pages."""
