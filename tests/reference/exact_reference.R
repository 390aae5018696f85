# Reference values for tests/test_exact_r.py, from R's stats package.
#
# Run from the repository root:  Rscript tests/reference/exact_reference.R
# It prints Python literals; each block replaces the constant of the same name in
# tests/test_exact_r.py:
#   CLOPPER_PEARSON  binom.test(k, n, conf.level = level)$conf.int
#   FISHER           fisher.test(table)$p.value (2 x 2: hypergeometric; larger: FEXACT)

num <- function(x) format(x, digits = 15)

cat(sprintf("# Rscript tests/reference/exact_reference.R: R %s\n", getRversion()))

rates <- list(
  c(5, 14, 0.95), c(1, 4, 0.95), c(0, 10, 0.95), c(10, 10, 0.95), c(10, 12, 0.95),
  c(0, 1, 0.95), c(1, 1, 0.95), c(3, 7, 0.90), c(50, 100, 0.99), c(17, 333, 0.95)
)
cat("CLOPPER_PEARSON = [\n")
for (r in rates) {
  ci <- binom.test(r[1], r[2], conf.level = r[3])$conf.int
  cat(sprintf("    (%d, %d, %s, %s, %s),\n", r[1], r[2], num(r[3]), num(ci[1]), num(ci[2])))
}
cat("]\n\n")

tables <- list(
  # 2 x 2
  rbind(c(3, 1), c(1, 3)),                # Fisher's tea tasting
  rbind(c(10, 2), c(3, 15)),
  rbind(c(0, 5), c(5, 0)),
  rbind(c(12, 5), c(7, 9)),
  rbind(c(1, 0), c(0, 0)),
  rbind(c(120, 80), c(95, 105)),
  # 2 x 3
  rbind(c(3, 1, 4), c(2, 6, 0)),
  rbind(c(5, 0, 2), c(1, 4, 3)),
  # 2 x 8
  rbind(c(2, 0, 3, 1, 4, 0, 2, 1), c(0, 3, 1, 2, 0, 4, 1, 3)),
  rbind(c(5, 3, 0, 1, 2, 6, 1, 0), c(1, 2, 4, 3, 0, 1, 2, 5)),
  # 3 x 3 (the last has a row of zeros)
  rbind(c(3, 1, 0), c(1, 3, 1), c(0, 1, 4)),
  rbind(c(2, 2, 2), c(2, 2, 2), c(2, 2, 2)),
  rbind(c(0, 0, 0), c(2, 3, 1), c(4, 0, 2)),
  # 3 x 2 and 4 x 4 (fisher.test's "Job satisfaction" example)
  rbind(c(4, 0), c(1, 3), c(0, 5)),
  matrix(c(1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11), 4, 4)
)
cat("FISHER = [\n")
for (t in tables) {
  rows <- apply(t, 1, function(r) paste0("[", paste(r, collapse = ", "), "]"))
  cat(sprintf("    ([%s], %s),\n", paste(rows, collapse = ", "), num(fisher.test(t)$p.value)))
}
cat("]\n")
