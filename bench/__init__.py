"""Benchmarks of the tip line: envelope throughput and memory, and server ingest.

Run with ``scripts/bench`` (or ``.venv/bin/python -m bench``); ``scripts/bench --quick`` is a
smoke run of well under a minute. Every throughput is reported as a RATIO to a baseline
measured in the same run, on the same machine, because absolute numbers on small shared
machines are noise. Results are printed as a table and written to ``bench/out/results.json``;
docs/benchmarks.md explains each measure and records a reference run.

Nothing here is a test: there is no timed assertion anywhere, only numbers to compare.
"""
