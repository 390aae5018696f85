# Competing risks reference values for tests/test_competing_r.py: the Aalen–Johansen cumulative
# incidence with its standard error, limits and number at risk (survival::survfit on a factor
# status), Gray's test (cmprsk::cuminc) and the Fine–Gray subdistribution hazard ratio
# (cmprsk::crr). Run from the repository root: Rscript tests/reference/competing_reference.R
suppressMessages({library(survival); library(cmprsk)})

num <- function(x) ifelse(is.na(x), "None", sprintf("%.12g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")

# mgus2 (survival): progression to a plasma-cell malignancy, death competing; months. R's own
# coding of the competing-risks vignette: etime = ifelse(pstat == 0, futime, ptime).
m <- read.csv("tests/fixtures/r_exports/mgus2.csv")
mg <- data.frame(time = with(m, ifelse(pstat == 0, futime, ptime)),
                 cause = with(m, ifelse(pstat == 0, 2 * death, 1)), group = m$sex)
# pbc (survival): death of interest, liver transplant competing; days. Stage 1 has no
# transplant (a group with no competing event); the stage-less six are left out.
p <- read.csv("tests/reference/pbc.csv")
pd <- data.frame(time = p$time, cause = c(0, 2, 1)[p$status + 1], group = p$stage)
pd <- pd[!is.na(pd$group), ]
pe <- data.frame(time = p$time, cause = c(0, 2, 1)[p$status + 1], group = p$edema)
# pbc with the transplant of interest and death competing, by sex: a rare cause.
pt <- data.frame(time = p$time, cause = p$status, group = p$sex)
# A hand-made case: ties of both causes and censoring at one time, a group (b) without
# competing events, and a last time where everyone left has an event.
hm <- data.frame(time = c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7),
                 cause = c(1, 2, 0, 1, 1, 2, 1, 0, 2, 1, 0, 2, 1, 1),
                 group = c("a", "a", "b", "b", "a", "a", "b", "a", "a", "b", "b", "a", "a", "b"))
sets <- list(
  mgus2 = list(d = mg, times = c(12, 60, 120, 240, 360)),
  pbc_stage = list(d = pd, times = c(1000, 2000, 3000, 4000)),
  pbc_edema = list(d = pe, times = c(1000, 3000)),
  pbc_transplant = list(d = pt, times = c(1000, 3000)),
  handmade = list(d = hm, times = c(1, 2, 3, 4, 5, 6, 7))
)

cat(sprintf("# %s, %s, survival %s, cmprsk %s\n", "competing_reference.R", R.version.string,
            packageVersion("survival"), packageVersion("cmprsk")))
cat("# (dataset, group or None, cause, time, estimate, std_err, ci_low, ci_high, at_risk)\n")
cat("CIF_POINTS = [\n")
for (name in names(sets)) {
  d <- sets[[name]]$d
  d$status <- factor(d$cause, 0:2, c("censored", "cause1", "cause2"))
  for (g in c(NA, sort(unique(as.character(d$group))))) {
    sub <- if (is.na(g)) d else d[as.character(d$group) == g, ]
    fit <- survfit(Surv(time, status) ~ 1, data = sub)
    s <- summary(fit, times = sets[[name]]$times)
    for (cause in 1:2) {
      col <- cause + 1
      for (i in seq_along(s$time)) {
        cat(sprintf("    (\"%s\", %s, %d, %s,\n     %s, %s, %s, %s, %d),\n", name,
                    if (is.na(g)) "None" else sprintf("\"%s\"", g), cause, num(s$time[i]),
                    num(s$pstate[i, col]), num(s$std.err[i, col]), num(s$lower[i, col]),
                    num(s$upper[i, col]), s$n.risk[i, 1]))
      }
    }
  }
}
cat("]\n")

cat("# (dataset, cause, chi2, p, df): cuminc(time, cause, group)$Tests\n")
cat("GRAY = [\n")
for (name in names(sets)) {
  d <- sets[[name]]$d
  tests <- cuminc(d$time, d$cause, d$group, cencode = 0)$Tests
  for (cause in rownames(tests)) {
    cat(sprintf("    (\"%s\", %s, %s, %s, %d),\n", name, cause, num(tests[cause, "stat"]),
                num(tests[cause, "pv"]), tests[cause, "df"]))
  }
}
cat("]\n")

cat("# (dataset, levels (first: reference), coef, se): crr(time, cause, group dummies)\n")
cat("FINE_GRAY = [\n")
for (name in names(sets)) {
  d <- sets[[name]]$d
  levels <- sort(unique(as.character(d$group)))
  x <- model.matrix(~ factor(as.character(d$group), levels = levels))[, -1, drop = FALSE]
  fit <- crr(d$time, d$cause, cov1 = x)
  cat(sprintf("    (\"%s\", [%s],\n     %s,\n     %s),\n", name,
              paste0("\"", levels, "\"", collapse = ", "), vec(fit$coef),
              vec(sqrt(diag(fit$var)))))
}
cat("]\n")

cat("# mgus2, the curves at every fifth time and the last: (time, n_risk, pcm, its std_err,\n")
cat("# death, its std_err)\n")
fit <- survfit(Surv(time, factor(cause, 0:2)) ~ 1, data = mg)
cat("MGUS2_CURVE = [\n")
for (i in unique(c(seq(1, length(fit$time), by = 5), length(fit$time)))) {
  cat(sprintf("    (%s, %d, %s, %s, %s, %s),\n", num(fit$time[i]), fit$n.risk[i, 1],
              num(fit$pstate[i, 2]), num(fit$std.err[i, 2]), num(fit$pstate[i, 3]),
              num(fit$std.err[i, 3])))
}
cat("]\n")
