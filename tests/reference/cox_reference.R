# Reference values for tests/test_cox_r.py, from R's survival package.
#
# Run from the repository root:  Rscript tests/reference/cox_reference.R > /tmp/cox_reference.txt
# It prints Python literals; the COX_MODELS block replaces the constant of the same name in
# tests/test_cox_r.py (between "fmt: off" and "fmt: on"). One entry per model:
#   (name, dataset, group column, reference, covariates, n, nevent,
#    [(group, hr, lower .95, upper .95), ...]   every non-reference group, from summary(fit)
#    [(term, hr, lower .95, upper .95), ...]    the adjustment terms (R's coefficient names)
#    (lr chisq, df, p)                          summary(fit)$logtest
#    (chisq, df, p))                            the group term given the covariates:
#                                               2 * (loglik(fit) - loglik(fit without group))
# coxph's defaults throughout: ties = "efron", Wald intervals.

suppressPackageStartupMessages(library(survival))

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
# Hand-made: every censored patient is in group "b", and the groups have tied times. The same
# data are EDGE_DATA in tests/test_cox_r.py.
edge <- data.frame(time = c(2, 3, 5, 7, 11, 4, 6, 6, 9, 12, 13, 15),
                   event = c(1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0),
                   group = c(rep("a", 5), rep("b", 7)))
load <- function(name) if (name == "edge") edge else read(name)

num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
str <- function(x) dQuote(x, q = FALSE)

# name, dataset, group column, reference level (NULL: R's first level), covariates.
models <- list(
  list("edge", "edge", "group", NULL, character(0)),
  list("g3", "g3", "group", NULL, character(0)),
  list("g3-age", "g3", "group", NULL, "age"),
  list("lymphoma", "lymphoma", "stage", NULL, character(0)),
  list("kidney", "kidney", "group", "white male", character(0)),
  list("kidney-age", "kidney", "group", "white male", "age"),
  list("dd", "dd", "continent", NULL, character(0)),
  list("dd-adjusted", "dd", "continent", "Europe", c("start_year", "regime3"))
)

cat(sprintf("# Rscript tests/reference/cox_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))
cat("COX_MODELS = [\n")
for (m in models) {
  d <- load(m[[2]])
  d$grp <- factor(d[[m[[3]]]])
  if (!is.null(m[[4]])) d$grp <- relevel(d$grp, ref = m[[4]])
  for (cv in m[[5]]) if (is.character(d[[cv]])) d[[cv]] <- factor(d[[cv]])
  rhs <- paste(c("grp", m[[5]]), collapse = " + ")
  fit <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = d)
  ci <- summary(fit)$conf.int
  lt <- summary(fit)$logtest
  group_rows <- grepl("^grp", rownames(ci))
  if (length(m[[5]])) {
    reduced <- coxph(as.formula(paste("Surv(time, event) ~", paste(m[[5]], collapse = " + "))),
                     data = d)
    gchisq <- 2 * (fit$loglik[2] - reduced$loglik[2])
  } else {
    gchisq <- 2 * (fit$loglik[2] - fit$loglik[1])
  }
  gdf <- sum(group_rows)
  row <- function(i, label) {
    sprintf("        (%s, %s, %s, %s),\n", str(label), num(ci[i, "exp(coef)"]),
            num(ci[i, "lower .95"]), num(ci[i, "upper .95"]))
  }
  cat(sprintf("    (%s, %s, %s, %s, [%s], %d, %d,\n", str(m[[1]]), str(m[[2]]), str(m[[3]]),
              str(levels(d$grp)[1]), paste(vapply(m[[5]], str, ""), collapse = ", "),
              fit$n, fit$nevent))
  cat("     [\n")
  for (i in which(group_rows)) cat(row(i, sub("^grp", "", rownames(ci)[i])))
  cat("     ],\n     [\n")
  for (i in which(!group_rows)) cat(row(i, rownames(ci)[i]))
  cat("     ],\n")
  cat(sprintf("     (%s, %s, %s),\n", num(lt[["test"]]), num(lt[["df"]]), num(lt[["pvalue"]])))
  cat(sprintf("     (%s, %d, %s)),\n", num(gchisq), gdf,
              num(pchisq(gchisq, gdf, lower.tail = FALSE))))
}
cat("]\n")
