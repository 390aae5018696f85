# Reference values for tests/test_subgroups_r.py: the grouping forms of by= (a cut, cut-points,
# crossed fields) and strata=, on R's own trials as R exports them (tests/fixtures/r_exports/,
# read back with read.csv as anyone would), every number from survival's survfit (log-log CI,
# the bot's default), survdiff and coxph.
#
# Run from the repository root:  Rscript tests/reference/subgroups_reference.R
# One entry per question: the command the bot is asked, the groups in R's level order
# (n, events, median, lower, upper), survdiff (chisq, df, p), and coxph's hazard ratios against
# the first level (hr, lower, upper) with its likelihood-ratio test (chisq, df, p).

suppressPackageStartupMessages(library(survival))

exports <- "tests/fixtures/r_exports"
read <- function(name) read.csv(file.path(exports, paste0(name, ".csv")), stringsAsFactors = FALSE)
num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
str <- function(x) dQuote(x, q = FALSE)

veteran <- read("veteran")
colon <- read("colon")
colon <- colon[colon$etype == 2, ]  # the death rows: the bot's endpoint etype_2
rotterdam <- read("rotterdam")
mgus2 <- read("mgus2")

cut_at <- function(x, cuts, right = FALSE) cut(x, c(-Inf, cuts, Inf), right = right)
crossed <- function(...) interaction(..., sep = ", ", lex.order = TRUE, drop = TRUE)
sizes <- function(x) factor(x, levels = c("<=20", "20-50", ">50"))

# (command, data, time, event, group, strata or NULL)
cases <- list(
  list("os by=age>=65 unit=days", veteran, "time", "status",
       function(d) cut_at(d$age, 65), NULL),
  list("os by=age>65 unit=days", veteran, "time", "status",
       function(d) cut_at(d$age, 65, right = TRUE), NULL),
  list("os by=karno<50 unit=days", veteran, "time", "status",
       function(d) cut_at(d$karno, 50), NULL),
  list("os by=karno cuts=50,70 unit=days", veteran, "time", "status",
       function(d) cut_at(d$karno, c(50, 70)), NULL),
  list("os by=trt,celltype unit=days", veteran, "time", "status",
       function(d) crossed(d$trt, d$celltype), NULL),
  list("os by=trt strata=celltype unit=days", veteran, "time", "status",
       function(d) factor(d$trt), function(d) d$celltype),
  list("etype_2 by=nodes>=4 unit=days", colon, "time", "status",
       function(d) cut_at(d$nodes, 4), NULL),
  list("etype_2 by=rx,sex unit=days", colon, "time", "status",
       function(d) crossed(factor(d$rx, levels = c("Lev", "Lev+5FU", "Obs")), d$sex), NULL),
  list("etype_2 by=rx ref=Obs strata=differ,extent unit=days", colon, "time", "status",
       function(d) relevel(factor(d$rx), ref = "Obs"), function(d) interaction(d$differ, d$extent)),
  list("death by=age cuts=50,65 unit=days", rotterdam, "dtime", "death",
       function(d) cut_at(d$age, c(50, 65)), NULL),
  list("death by=size,hormon unit=days", rotterdam, "dtime", "death",
       function(d) crossed(sizes(d$size), d$hormon), NULL),
  list("recur by=hormon strata=size unit=days", rotterdam, "rtime", "recur",
       function(d) factor(d$hormon), function(d) d$size),
  list("death by=hgb>=12 unit=days", mgus2, "futime", "death",
       function(d) cut_at(d$hgb, 12), NULL),
  list("death by=sex,age>=70 unit=days", mgus2, "futime", "death",
       function(d) crossed(d$sex, cut_at(d$age, 70)), NULL),
  list("pstat by=age cuts=60,70,80 strata=sex unit=days", mgus2, "ptime", "pstat",
       function(d) cut_at(d$age, c(60, 70, 80)), function(d) d$sex)
)

cat(sprintf("# Rscript tests/reference/subgroups_reference.R: R %s, survival %s\n",
            paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival")))
cat("SUBGROUPS = {\n")
for (case in cases) {
  d <- case[[2]]
  d$t <- d[[case[[3]]]]
  d$e <- d[[case[[4]]]]
  d$g <- case[[5]](d)
  stratified <- !is.null(case[[6]])
  if (stratified) d$s <- factor(case[[6]](d))
  d <- d[!is.na(d$g), ]
  fit <- survfit(Surv(t, e) ~ g, data = d, conf.type = "log-log")
  tab <- summary(fit)$table
  cat(sprintf("    %s: {\n        \"groups\": [\n", str(case[[1]])))
  for (i in seq_len(nrow(tab))) {
    cat(sprintf("            (%s, %s, %s, %s, %s),\n", num(tab[i, "n.max"]), num(tab[i, "events"]),
                num(tab[i, "median"]), num(tab[i, "0.95LCL"]), num(tab[i, "0.95UCL"])))
  }
  cat("        ],\n")
  if (stratified) {
    lr <- survdiff(Surv(t, e) ~ g + strata(s), data = d)
    cox <- coxph(Surv(t, e) ~ g + strata(s), data = d)
  } else {
    lr <- survdiff(Surv(t, e) ~ g, data = d)
    cox <- coxph(Surv(t, e) ~ g, data = d)
  }
  expected <- if (is.matrix(lr$exp)) rowSums(lr$exp) else lr$exp  # per stratum, stratified
  df <- sum(expected > 0) - 1
  cat(sprintf("        \"logrank\": (%s, %d, %s),\n", num(lr$chisq), df,
              num(pchisq(lr$chisq, df, lower.tail = FALSE))))
  ci <- exp(confint(cox))
  cat("        \"hr\": [\n")
  for (term in names(coef(cox))) {
    cat(sprintf("            (%s, %s, %s),\n", num(exp(coef(cox)[[term]])), num(ci[term, 1]),
                num(ci[term, 2])))
  }
  test <- summary(cox)$logtest
  cat(sprintf("        ],\n        \"lr_test\": (%s, %s, %s),\n", num(test[["test"]]),
              num(test[["df"]]), num(test[["pvalue"]])))
  cat(sprintf("        \"levels\": [%s],\n    },\n",
              paste(sapply(levels(droplevels(d$g)), str), collapse = ", ")))
}
cat("}\n")

# Gray's test of pcm (death competing) by a cut and by a crossed cut, as cmprsk::cuminc gives
# it on mgus2 (tests/test_competing_cohort.py's cohort): GRAY in tests/test_subgroups.py.
suppressPackageStartupMessages(library(cmprsk))
cause <- ifelse(mgus2$pstat == 0, 2 * mgus2$death, 1)
etime <- ifelse(mgus2$pstat == 1, mgus2$ptime, mgus2$futime)
old <- cut_at(mgus2$age, 70)
cat("GRAY = {\n")
for (case in list(list("cif pcm by=age>=70", old),
                  list("cif pcm by=sex,age>=70", crossed(mgus2$sex, old)))) {
  test <- cuminc(etime, cause, group = case[[2]])$Tests
  cat(sprintf("    %s: (%s, %s, %s),\n", str(case[[1]]), num(test[1, "stat"]), num(test[1, "df"]),
              num(test[1, "pv"])))
}
cat("}\n")

# cox.zph (survival 3.x) of stratified models: PH_STRATA in tests/test_subgroups.py.
cat("PH_STRATA = {\n")
zph_cases <- list(
  list("os by=trt strata=celltype unit=days",
       coxph(Surv(time, status) ~ factor(trt) + strata(celltype), data = veteran)),
  list("pstat by=age cuts=60,70,80 strata=sex unit=days",
       coxph(Surv(ptime, pstat) ~ cut_at(age, c(60, 70, 80)) + strata(sex), data = mgus2))
)
for (case in zph_cases) {
  test <- cox.zph(case[[2]])$table["GLOBAL", ]
  cat(sprintf("    %s: (%s, %s, %s),\n", str(case[[1]]), num(test[["chisq"]]), num(test[["df"]]),
              num(test[["p"]])))
}
cat("}\n")
