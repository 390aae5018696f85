"""The Kaplan–Meier plot: the figure (`figure`), its curves, the number-at-risk table, the
landmark lines and the words around them."""
