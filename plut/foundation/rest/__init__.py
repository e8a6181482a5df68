"""The API's building blocks every app's endpoints use: permissions, filters, pagination, the
bounded JSON parser and the one error body. The router, tokens and endpoints that read across
apps live in ``plut.top.api``."""
