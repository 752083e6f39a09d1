"""What an operator does from the command line (`hexauth users ...`, `hexauth mail test`,
`hexauth sessions prune`): no request, no signed-in user, no password to confirm."""
