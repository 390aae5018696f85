"""Charts → PNG bytes with matplotlib: one module a kind of plot, one look for all of them."""
