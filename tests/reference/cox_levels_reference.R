# Reference values for tests/test_cox_r.py's COX_LEVELS: Wald limits of coxph at levels other
# than 95% (R's confint(fit, level = ...), exponentiated; the same as summary(fit, conf.int = ...)).
#
# Run from the repository root:  Rscript tests/reference/cox_levels_reference.R
# One entry per (model, level): (name, dataset, group column, reference, covariates, level,
#   [(term, hr, lower, upper), ...]) for every coefficient, in R's order.

suppressPackageStartupMessages(library(survival))

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
num <- function(x) format(x, digits = 15)
str <- function(x) dQuote(x, q = FALSE)

models <- list(
  list("kidney-age", "kidney", "group", "white male", "age"),
  list("dd", "dd", "continent", "Africa", character(0))
)

cat(sprintf("# Rscript tests/reference/cox_levels_reference.R: R %s, survival %s\n",
            paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival")))
cat("COX_LEVELS = [\n")
for (m in models) {
  data <- read(m[[2]])
  data[[m[[3]]]] <- relevel(factor(data[[m[[3]]]]), ref = m[[4]])
  rhs <- paste(c(m[[3]], m[[5]]), collapse = " + ")
  fit <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = data)
  for (level in c(0.80, 0.99)) {
    ci <- exp(confint(fit, level = level))
    cat(sprintf("    (%s, %s, %s, %s, [%s], %s, [\n", str(m[[1]]), str(m[[2]]), str(m[[3]]),
                str(m[[4]]), paste(sapply(m[[5]], str), collapse = ", "), num(level)))
    for (term in names(coef(fit))) {
      cat(sprintf("        (%s, %s, %s, %s),\n", str(term), num(exp(coef(fit)[[term]])),
                  num(ci[term, 1]), num(ci[term, 2])))
    }
    cat("    ]),\n")
  }
}
cat("]\n")
