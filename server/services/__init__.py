"""What the routes do, without HTTP: ingest envelopes, resumable uploads, the change feed, operators."""
