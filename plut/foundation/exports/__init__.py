"""Downloads of lists at any size: small ones stream at once, large ones are written by a
background job and fetched from a link (docs/background-jobs.md#exports)."""
