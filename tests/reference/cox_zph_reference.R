# Reference values for tests/test_cox_zph_r.py: R's coxph with covariates entered as factors
# or linearly, and R's test of proportional hazards, cox.zph of survival >= 3.0 (the score test
# with the "km" time transform; before 3.0 it was an approximation with other p-values).
#
# Run from the repository root:  Rscript tests/reference/cox_zph_reference.R
# It prints Python literals; the ZPH_MODELS block replaces the constant of the same name in
# tests/test_cox_zph_r.py. The data are R's own exports in tests/fixtures/r_exports/ (R's
# write.csv of survival's veteran, colon, rotterdam and mgus2). One entry per model:
#   (name, dataset, rows (column, value) or None, time, event, group, reference,
#    [(covariate, "linear" | "factor"), ...], n, nevent,
#    [(group, hr, lower .95, upper .95), ...]      every non-reference group
#    [(term, chisq, df, p), ...]                    cox.zph(fit)$table: "groups", each
#                                                   covariate, then "GLOBAL")
# coxph's defaults throughout: ties = "efron", Wald intervals.

suppressPackageStartupMessages(library(survival))

here <- "tests/fixtures/r_exports"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
str <- function(x) dQuote(x, q = FALSE)

# name, dataset, rows, time, event, group, reference, covariates (name = kind)
models <- list(
  list("veteran-celltype", "veteran", NULL, "time", "status", "celltype", "adeno", c()),
  list("veteran-trt", "veteran", NULL, "time", "status", "trt", "1", c()),
  list("veteran-trt-adjusted", "veteran", NULL, "time", "status", "trt", "1",
       c(karno = "linear", celltype = "factor")),
  list("colon-rfs-adjusted", "colon", list("etype", 1), "time", "status", "rx", "Obs",
       c(node4 = "factor", extent = "factor", differ = "factor")),
  list("colon-rfs-linear", "colon", list("etype", 1), "time", "status", "rx", "Obs",
       c(node4 = "linear", extent = "linear", differ = "linear")),
  list("colon-os", "colon", list("etype", 2), "time", "status", "rx", "Obs", c()),
  list("rotterdam-size", "rotterdam", NULL, "dtime", "death", "size", "<=20", c()),
  list("rotterdam-size-adjusted", "rotterdam", NULL, "rtime", "recur", "size", "<=20",
       c(age = "linear", grade = "factor", nodes = "linear")),
  list("mgus2-sex", "mgus2", NULL, "futime", "death", "sex", "F",
       c(age = "linear", hgb = "linear")),
  list("mgus2-sex-pstat", "mgus2", NULL, "ptime", "pstat", "sex", "F", c())
)

cat(sprintf("# Rscript tests/reference/cox_zph_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))
cat("ZPH_MODELS = [\n")
for (m in models) {
  d <- read(m[[2]])
  if (!is.null(m[[3]])) d <- d[d[[m[[3]][[1]]]] == m[[3]][[2]], ]
  d$groups <- relevel(factor(d[[m[[6]]]]), ref = m[[7]])
  covs <- m[[8]]
  rhs <- "groups"
  for (cv in names(covs)) {
    if (covs[[cv]] == "factor") d[[cv]] <- factor(d[[cv]])
    rhs <- paste(rhs, "+", cv)
  }
  fit <- coxph(as.formula(sprintf("Surv(%s, %s) ~ %s", m[[4]], m[[5]], rhs)), data = d)
  ci <- summary(fit)$conf.int
  zph <- cox.zph(fit)$table
  rows <- if (is.null(m[[3]])) "None" else sprintf("(%s, %s)", str(m[[3]][[1]]), m[[3]][[2]])
  kinds <- paste(sprintf("(%s, %s)", sapply(names(covs), str), sapply(covs, str)), collapse = ", ")
  cat(sprintf("    (%s, %s, %s, %s, %s, %s, %s,\n     [%s], %d, %d,\n", str(m[[1]]), str(m[[2]]),
              rows, str(m[[4]]), str(m[[5]]), str(m[[6]]), str(m[[7]]), kinds, fit$n, fit$nevent))
  cat("     [\n")
  for (term in grep("^groups", rownames(ci), value = TRUE)) {
    cat(sprintf("        (%s, %s, %s, %s),\n", str(sub("^groups", "", term)),
                num(ci[term, 1]), num(ci[term, 3]), num(ci[term, 4])))
  }
  cat("     ],\n     [\n")
  for (term in rownames(zph)) {
    cat(sprintf("        (%s, %s, %d, %s),\n", str(term), num(zph[term, 1]),
                as.integer(zph[term, 2]), num(zph[term, 3])))
  }
  cat("     ]),\n")
}
cat("]\n")
