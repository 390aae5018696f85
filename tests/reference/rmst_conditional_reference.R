# Reference values for tests/test_rmst_conditional_r.py: restricted mean survival time (RMST)
# and conditional survival, from R's survival package on public trials as R exports them
# (tests/fixtures/r_exports/*.csv: veteran, colon, rotterdam, mgus2).
#
# Run from the repository root:
#   Rscript tests/reference/rmst_conditional_reference.R > /tmp/rmst_conditional_reference.txt
# It prints Python literals; each block replaces the constant of the same name in
# tests/test_rmst_conditional_r.py (between "fmt: off" and "fmt: on").
#
#   RMST          per group, summary(survfit(Surv(time, status) ~ group), rmean = tau)$table:
#                 (dataset, group column, group, tau, rmean, se(rmean)); the same numbers are
#                 recomputed below from the survfit pieces with survRM2's formula and checked
#                 equal (stopifnot), so the table is both R's print(fit, rmean = tau) and
#                 survRM2's rmst1.
#   CONTRASTS     each group against the reference group as survRM2::rmst2 reports the
#                 unadjusted comparison (arm = 1 the group, arm = 0 the reference):
#                 (dataset, group column, reference, group, tau, difference, low, high, p,
#                 ratio, low, high, p).
#   TAU           survRM2's rule for tau, written out for any number of groups: (dataset,
#                 group column, tau), the default tau, which is also the largest it allows
#                 (a larger one is refused).
#   CONDITIONAL   summary(survfit(Surv(time, status) ~ 1, subset = time > given,
#                 conf.type = ...), times = ...) per group: (dataset, group column, group,
#                 given, conf.type, time, n.risk, surv, lower, upper); the survival is checked
#                 equal to S(time) / S(given) of the whole curve (stopifnot).
#   COND_MEDIANS  the median and its limits of the same subset fits as print() shows them:
#                 (dataset, group column, group, given, conf.type, n, events, median, LCL, UCL),
#                 None where R has NA.
#
# survRM2 is not packaged in Debian, so it is not called here. Its unadjusted analysis is
# written out below from survfit's pieces, following survRM2 1.0-4's rmst1/rmst2 (Uno et al.,
# J Clin Oncol 2014): the RMST is the area under the KM curve to tau; its variance is
#   sum over event times t <= tau of (area under the curve from t to tau)^2 * d / (n (n - d))
# (0 where n = d); the difference's CI and p use the normal approximation with the two
# variances summed; the ratio's use the delta method on log(RMST), variance var / RMST^2.
# Its default tau: with x_g the largest time of group g and "ends in an event" meaning every
# patient at x_g had the event (the curve is 0 after it), tau may go up to max x_g, except that
# a group ending in a censoring caps it at that group's x_g; the default is that largest tau.

suppressPackageStartupMessages(library(survival))

exports <- "tests/fixtures/r_exports"
read <- function(name) read.csv(file.path(exports, paste0(name, ".csv")), stringsAsFactors = FALSE)
veteran <- read("veteran")
colon <- read("colon")
colon <- colon[colon$etype == 2, ]  # death
rotterdam <- read("rotterdam")
rotterdam$time <- rotterdam$dtime
rotterdam$status <- rotterdam$death
mgus2 <- read("mgus2")
mgus2$time <- mgus2$futime  # months
mgus2$status <- mgus2$death
datasets <- list(veteran = veteran, colon = colon, rotterdam = rotterdam, mgus2 = mgus2)

num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
val <- function(x) {
  if (is.null(x)) "None" else if (is.character(x)) dQuote(x, q = FALSE) else num(x)
}
close <- function(a, b) isTRUE(all.equal(a, b, tolerance = 1e-12))

# survRM2's rmst1, from survfit's pieces.
rmst_one <- function(time, status, tau) {
  ft <- survfit(Surv(time, status) ~ 1)
  idx <- ft$time <= tau
  wk.time <- sort(c(ft$time[idx], tau))
  areas <- diff(c(0, wk.time)) * c(1, ft$surv[idx])
  n <- ft$n.risk[idx]
  d <- ft$n.event[idx]
  wk.var <- c(ifelse(n - d == 0, 0, d / (n * (n - d))), 0)
  list(rmst = sum(areas), var = sum(cumsum(rev(areas[-1]))^2 * rev(wk.var)[-1]))
}

# survRM2's tau rule for any number of groups.
tau_rule <- function(d, column) {
  groups <- if (is.null(column)) list(d) else split(d, d[[column]])
  last <- sapply(groups, function(g) max(g$time))
  ends_in_event <- sapply(groups, function(g) min(g$status[g$time == max(g$time)]) == 1)
  min(c(max(last), last[!ends_in_event]))
}

cat(sprintf("# Rscript tests/reference/rmst_conditional_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))

# dataset, group column (NULL: everyone), taus
rmst_cases <- list(
  list("veteran", NULL, c(365, 553, 999)),
  list("veteran", "trt", c(365, 365.25, 553, 999)),  # 553: trt 1's last event; 999 its default
  list("colon", "rx", c(1825, 3214)),  # 3214: the default (every arm ends censored)
  list("rotterdam", "hormon", c(3650, 6270)),
  list("mgus2", "sex", c(120, 394))  # months; 394: F ends censored, so tau stops there
)
cat("RMST = [\n")
for (case in rmst_cases) {
  d <- datasets[[case[[1]]]]
  column <- case[[2]]
  f <- if (is.null(column)) survfit(Surv(time, status) ~ 1, data = d)
       else survfit(as.formula(paste("Surv(time, status) ~", column)), data = d)
  levels <- if (is.null(column)) list(NULL) else as.list(sort(unique(d[[column]])))
  for (tau in case[[3]]) {
    table <- summary(f, rmean = tau)$table
    for (i in seq_along(levels)) {
      row <- if (is.null(column)) table else table[i, ]
      g <- if (is.null(column)) d else d[d[[column]] == levels[[i]], ]
      mine <- rmst_one(g$time, g$status, tau)
      stopifnot(close(mine$rmst, unname(row["rmean"])),
                close(sqrt(mine$var), unname(row["se(rmean)"])))
      cat(sprintf("    (%s, %s, %s, %s, %s, %s),\n", val(case[[1]]), val(column),
                  val(if (is.null(column)) NULL else as.character(levels[[i]])), num(tau),
                  num(row["rmean"]), num(row["se(rmean)"])))
    }
  }
}
cat("]\n\n")

contrast_cases <- list(
  list("veteran", "trt", "1", c(365, 999)),
  list("colon", "rx", "Obs", c(1825)),
  list("rotterdam", "hormon", "0", c(3650)),
  list("mgus2", "sex", "F", c(120))
)
z <- qnorm(0.975)
cat("CONTRASTS = [\n")
for (case in contrast_cases) {
  d <- datasets[[case[[1]]]]
  column <- case[[2]]
  ref <- case[[3]]
  for (tau in case[[4]]) {
    r0 <- with(d[as.character(d[[column]]) == ref, ], rmst_one(time, status, tau))
    for (other in setdiff(sort(unique(as.character(d[[column]]))), ref)) {
      r1 <- with(d[as.character(d[[column]]) == other, ], rmst_one(time, status, tau))
      diff <- r1$rmst - r0$rmst
      diff.se <- sqrt(r1$var + r0$var)
      lr <- log(r1$rmst) - log(r0$rmst)
      lr.se <- sqrt(r1$var / r1$rmst^2 + r0$var / r0$rmst^2)
      cat(sprintf("    (%s, %s, %s, %s, %s,\n     %s, %s, %s, %s,\n     %s, %s, %s, %s),\n",
                  val(case[[1]]), val(column), val(ref), val(other), num(tau),
                  num(diff), num(diff - z * diff.se), num(diff + z * diff.se),
                  num(2 * pnorm(-abs(diff) / diff.se)),
                  num(exp(lr)), num(exp(lr - z * lr.se)), num(exp(lr + z * lr.se)),
                  num(2 * pnorm(-abs(lr) / lr.se))))
    }
  }
}
cat("]\n\n")

cat("TAU = [  # (dataset, group column, default tau = the largest allowed)\n")
for (case in list(list("veteran", NULL), list("veteran", "trt"), list("colon", "rx"),
                  list("rotterdam", "hormon"), list("mgus2", "sex"))) {
  largest <- tau_rule(datasets[[case[[1]]]], case[[2]])
  cat(sprintf("    (%s, %s, %s),\n", val(case[[1]]), val(case[[2]]), num(largest)))
}
cat("]\n\n")

# dataset, group column, given, times
conditional_cases <- list(
  list("veteran", NULL, 90, c(180, 365, 500)),
  list("veteran", "trt", 90, c(180, 365)),
  list("colon", "rx", 365, c(730, 1825)),
  list("mgus2", "sex", 60, c(120, 240)),
  list("rotterdam", NULL, 1825, c(3650))
)
conf_types <- c("log-log", "log", "plain")
cat("CONDITIONAL = [\n")
medians <- character()
for (case in conditional_cases) {
  d <- datasets[[case[[1]]]]
  column <- case[[2]]
  given <- case[[3]]
  levels <- if (is.null(column)) list(NULL) else as.list(sort(unique(as.character(d[[column]]))))
  for (level in levels) {
    g <- if (is.null(level)) d else d[as.character(d[[column]]) == level, ]
    whole <- survfit(Surv(time, status) ~ 1, data = g)
    for (ct in conf_types) {
      f <- survfit(Surv(time, status) ~ 1, data = g, subset = time > given, conf.type = ct)
      s <- summary(f, times = case[[4]])
      ratio <- summary(whole, times = s$time)$surv / summary(whole, times = given)$surv
      stopifnot(close(s$surv, ratio))
      for (i in seq_along(s$time)) {
        cat(sprintf("    (%s, %s, %s, %s, %s, %s, %s,\n     %s, %s, %s),\n", val(case[[1]]),
                    val(column), val(level), num(given), val(ct), num(s$time[i]),
                    num(s$n.risk[i]), num(s$surv[i]), num(s$lower[i]), num(s$upper[i])))
      }
      tab <- summary(f)$table
      medians <- c(medians, sprintf(
        "    (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s),\n", val(case[[1]]), val(column),
        val(level), num(given), val(ct), num(tab["n.start"]), num(tab["events"]),
        num(tab["median"]), num(tab["0.95LCL"]), num(tab["0.95UCL"])))
    }
  }
}
cat("]\n\n")
cat("COND_MEDIANS = [\n", medians, "]\n", sep = "")
