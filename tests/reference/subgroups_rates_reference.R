# Reference values for tests/test_subgroups.py: Fisher's exact test of rates by a cut, by
# cut-points and by crossed fields on the demo cohort (data/patients.csv), as R computes them.
#
# Run from the repository root:  Rscript tests/reference/subgroups_rates_reference.R

p <- read.csv("data/patients.csv", stringsAsFactors = FALSE)
responded <- p$best_response %in% c("CR", "PR")
controlled <- p$best_response %in% c("CR", "PR", "SD")
cut_at <- function(x, cuts) cut(x, c(-Inf, cuts, Inf), right = FALSE)
show <- function(name, g, y) {
  cat(sprintf("%s: table %s, p = %s\n", name,
              paste(apply(table(g, y), 1, paste, collapse = "/"), collapse = " "),
              format(fisher.test(table(g, y))$p.value, digits = 15)))
}
show("orr by=age>=60", cut_at(p$age, 60), responded)
show("dcr by=age cuts=45,60", cut_at(p$age, c(45, 60)), controlled)
show("dcr by=prior_chemo,resection", interaction(p$prior_chemo, p$resection), controlled)
