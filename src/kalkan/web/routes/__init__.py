"""The pages, one module per area: sign-in, records (analysts), bureau forms, officer checks, administration, audit."""
