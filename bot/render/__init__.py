"""Answer → words: the surface-neutral Reply every surface shows, one renderer a kind of answer."""
