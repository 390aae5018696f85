# Reference values for tests/test_cox_counts.py, from R's survival package.
#
# Run from the repository root:
#   Rscript tests/reference/cox_counts_reference.R > /tmp/cox_counts_reference.txt
# It prints Python literals; the block replaces everything between "fmt: off" and "fmt: on" in
# tests/test_cox_counts.py. One entry per model, every model fitted on the patients (a row of
# registry_counts.csv expanded to its `patients` identical rows):
#   (name, dataset, [terms], n, nevent,
#    [(coefficient, coef, se, lower .95, upper .95, Wald p), ...]   summary(fit)
#    (loglik at 0, loglik at the fit),
#    (lr chisq, df, p))                                             summary(fit)$logtest
# coxph's defaults throughout: ties = "efron", Wald intervals; a term is a factor (R's first
# level the reference) unless the entry names it numeric.
# WEIGHTED: the registry's group model fitted on the counts with weights = patients, which
# is NOT the same model (R's weighted Efron divides the tied deaths' weight by the number of
# death rows, not of patients); the tests show that the counts fitter is not that.

suppressPackageStartupMessages(library(survival))

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
expand <- function(d) d[rep(seq_len(nrow(d)), d$patients), ]
load <- function(name) if (name == "registry_counts") expand(read(name)) else read(name)

num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
str <- function(x) dQuote(x, q = FALSE)

# name, dataset, factor terms, numeric terms.
models <- list(
  list("larynx-stage", "larynx", "stage", character(0)),
  list("kidney-group", "kidney", "group", character(0)),
  list("kidney-race-sex", "kidney", c("race", "sex"), character(0)),
  list("kidney-group-age", "kidney", "group", "age"),
  list("gbsg2-grade", "gbsg2", "tgrade", character(0)),
  list("gbsg2-hormone-grade", "gbsg2", c("horTh", "tgrade"), character(0)),
  list("registry-group", "registry_counts", "group", character(0)),
  list("registry-group-sex", "registry_counts", c("group", "sex"), character(0))
)

cat(sprintf("# Rscript tests/reference/cox_counts_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))
cat("COUNTS_MODELS = [\n")
for (m in models) {
  d <- load(m[[2]])
  for (f in m[[3]]) d[[f]] <- factor(d[[f]])
  terms <- c(m[[3]], m[[4]])
  fit <- coxph(as.formula(paste("Surv(time, event) ~", paste(terms, collapse = " + "))),
               data = d)
  co <- summary(fit)$coefficients
  ci <- summary(fit)$conf.int
  lt <- summary(fit)$logtest
  cat(sprintf("    (%s, %s, [%s], %d, %d,\n", str(m[[1]]), str(m[[2]]),
              paste(vapply(terms, str, ""), collapse = ", "), fit$n, fit$nevent))
  cat("     [\n")
  for (i in seq_len(nrow(co))) {
    cat(sprintf("        (%s, %s, %s,\n         %s, %s, %s),\n", str(rownames(co)[i]),
                num(co[i, "coef"]), num(co[i, "se(coef)"]), num(ci[i, "lower .95"]),
                num(ci[i, "upper .95"]), num(co[i, "Pr(>|z|)"])))
  }
  cat("     ],\n")
  cat(sprintf("     (%s, %s),\n", num(fit$loglik[1]), num(fit$loglik[2])))
  cat(sprintf("     (%s, %s, %s)),\n", num(lt[["test"]]), num(lt[["df"]]), num(lt[["pvalue"]])))
}
cat("]\n")
counts <- read("registry_counts")
counts$group <- factor(counts$group)
weighted <- coxph(Surv(time, event) ~ group, data = counts, weights = patients)
cat(sprintf("WEIGHTED = [\n%s]\n", paste0("    ", vapply(coef(weighted), num, ""), ",\n",
                                            collapse = "")))
