"""Discovery for the app scanner: the polite HTTP client, scope, crawler, browser crawler
and OpenAPI import. They know nothing about checks (wapiti's ``net/`` split)."""
