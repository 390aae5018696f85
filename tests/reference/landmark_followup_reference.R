# Reference values for tests/test_landmarks_followup_r.py, from R's survival package.
#
# Run from the repository root:
#   Rscript tests/reference/landmark_followup_reference.R > /tmp/landmark_followup_reference.txt
# It prints Python literals; each block replaces the constant of the same name in
# tests/test_landmarks_followup_r.py (between "fmt: off" and "fmt: on"):
#   LANDMARKS   summary(survfit(Surv(time, event) ~ 1, conf.type = ...), times = ...):
#               (dataset, column, value, conf.type, time, n.risk, surv, lower, upper);
#               extend = FALSE, as R's default, so a time past the last follow-up has no row;
#               an undefined limit (NA) is None
#   PAST_END    the times asked for that summary() leaves out (past the last follow-up)
#   FOLLOWUP    the reverse Kaplan–Meier median follow-up,
#               survfit(Surv(time, 1 - event) ~ 1, conf.type = ...) as print() shows it:
#               (dataset, column, value, conf.type, median, LCL, UCL), None where R has NA

suppressPackageStartupMessages(library(survival))

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
datasets <- list(g3 = read("g3"), lymphoma = read("lymphoma"), kidney = read("kidney"),
                 dd = read("dd"))
conf_types <- c("log-log", "log", "plain")

num <- function(x) if (is.na(x)) "None" else format(x, digits = 15)
val <- function(x) if (is.null(x)) "None" else if (is.character(x)) dQuote(x, q = FALSE) else num(x)
subset_of <- function(d, col, value) {
  if (is.null(col)) d else d[d[[col]] == value, ]
}

cat(sprintf("# Rscript tests/reference/landmark_followup_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))

# dataset, column, value, times (the last past the end of follow-up in some)
landmarks <- list(
  list("g3", NULL, NULL, c(6, 12, 24, 36, 48, 60, 80)),
  list("g3", "group", "Control", c(12, 24, 36, 60)),
  list("g3", "group", "RIT", c(12, 24, 53, 60)),
  list("lymphoma", NULL, NULL, c(12, 24, 60, 120, 346, 400)),
  list("lymphoma", "stage", 2, c(12, 24, 60)),
  list("kidney", NULL, NULL, c(1, 30, 365, 1825, 3000)),
  list("kidney", "group", "black female", c(365, 1825)),
  list("dd", NULL, NULL, c(1, 2, 5, 10, 20, 47)),
  list("dd", "continent", "Oceania", c(1, 5, 10))
)
cat("LANDMARKS = [\n")
for (lm in landmarks) {
  d <- subset_of(datasets[[lm[[1]]]], lm[[2]], lm[[3]])
  for (ct in conf_types) {
    s <- summary(survfit(Surv(time, event) ~ 1, data = d, conf.type = ct), times = lm[[4]])
    for (i in seq_along(s$time)) {
      cat(sprintf("    (%s, %s, %s, %s, %s, %s,\n     %s, %s, %s),\n", val(lm[[1]]), val(lm[[2]]),
                  val(lm[[3]]), val(ct), num(s$time[i]), num(s$n.risk[i]), num(s$surv[i]),
                  num(s$lower[i]), num(s$upper[i])))
    }
  }
}
cat("]\n\n")

cat("PAST_END = [  # (dataset, column, value, time): asked for, but summary() has no row\n")
for (lm in landmarks) {
  d <- subset_of(datasets[[lm[[1]]]], lm[[2]], lm[[3]])
  s <- summary(survfit(Surv(time, event) ~ 1, data = d), times = lm[[4]])
  for (t in setdiff(lm[[4]], s$time)) {
    cat(sprintf("    (%s, %s, %s, %s),\n", val(lm[[1]]), val(lm[[2]]), val(lm[[3]]), num(t)))
  }
}
cat("]\n\n")

followup <- list(
  list("g3", NULL, NULL), list("g3", "group", "Control"), list("g3", "group", "RIT"),
  list("lymphoma", NULL, NULL), list("lymphoma", "stage", 1), list("lymphoma", "stage", 2),
  list("kidney", NULL, NULL), list("kidney", "group", "black female"),
  list("dd", NULL, NULL), list("dd", "continent", "Oceania")
)
cat("FOLLOWUP = [\n")
for (fu in followup) {
  d <- subset_of(datasets[[fu[[1]]]], fu[[2]], fu[[3]])
  for (ct in conf_types) {
    tb <- summary(survfit(Surv(time, 1 - event) ~ 1, data = d, conf.type = ct))$table
    cat(sprintf("    (%s, %s, %s, %s, %s, %s, %s),\n", val(fu[[1]]), val(fu[[2]]), val(fu[[3]]),
                val(ct), num(tb[["median"]]), num(tb[["0.95LCL"]]), num(tb[["0.95UCL"]])))
  }
}
cat("]\n")
