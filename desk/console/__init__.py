"""The operators' local web console (``tipline-desk console``): docs/console.md."""
