# Reference values for tests/test_survival_r.py, from R's survival package.
#
# Run from the repository root:  Rscript tests/reference/km_reference.R > /tmp/km_reference.txt
# It prints Python literals; each block replaces the constant of the same name in
# tests/test_survival_r.py (between "fmt: off" and "fmt: on"). What each block holds:
#   KM_MEDIANS    median and 0.95LCL/UCL as print(fit) / summary(fit)$table show them
#   LANDMARKS     summary(fit, times = ..., extend = TRUE): n.risk, surv, lower, upper
#                 (an undefined limit, NA in R, is nan)
#   LOGRANK       survdiff(Surv(time, event) ~ group): chisq, df, p
#   EDGE_MEDIANS  hand-made cases: print()'s median and limits, then quantile(fit, 0.5)'s
#   EDGE_CURVES   the same cases' data and whole curves (time, n.risk, ..., lower, upper)

suppressPackageStartupMessages(library(survival))

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0(name, ".csv")), stringsAsFactors = FALSE)
datasets <- list(
  lung = read("lung"), waltons = read("waltons"), rossi = read("rossi"),
  gbsg2 = read("gbsg2"), larynx = read("larynx"), leukemia = read("leukemia")
)
conf_types <- c("log-log", "log", "plain")

edge <- list(
  midpoint = list(time = 2:11, event = rep(1, 10)),
  never_half = list(time = 1:10, event = c(1, 1, 1, 0, 0, 0, 0, 0, 0, 0)),
  upper_never_half = list(time = 1:10, event = c(1, 1, 1, 1, 1, 1, 0, 0, 0, 0)),
  all_censored = list(time = c(3, 5, 5, 8), event = c(0, 0, 0, 0)),
  tied_event_censor = list(time = c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5),
                           event = c(1, 1, 0, 1, 0, 1, 0, 0, 1, 0)),
  single_event = list(time = 7, event = 1),
  single_censored = list(time = 7, event = 0),
  flat_half_then_drop = list(time = c(1, 2, 3, 4), event = c(1, 1, 0, 1)),
  ends_at_half = list(time = c(1, 5), event = c(1, 0)),
  event_at_zero = list(time = c(0, 0, 2, 4, 4, 9), event = c(1, 0, 1, 1, 0, 1))
)

# --- formatting: R values as Python literals ----------------------------------------------

num <- function(x) {
  if (is.nan(x)) return("nan")
  if (is.na(x)) return("None")
  if (is.infinite(x)) return("inf")
  format(x, digits = 15)
}
# In a curve NA and NaN both mean "undefined here": nan.
nums <- function(x) vapply(ifelse(is.na(x), NaN, x), num, "")
val <- function(x) if (is.null(x)) "None" else if (is.character(x)) dQuote(x, q = FALSE) else num(x)

# A Python tuple, wrapped under 100 columns so the test keeps this layout in a "fmt: off" block.
wrap <- function(tokens, indent, prefix = "", close = "),") {
  lines <- character(0)
  line <- paste0(strrep(" ", indent), prefix, "(")
  hang <- if (nchar(prefix)) indent + 4 else indent + 1
  for (i in seq_along(tokens)) {
    tok <- paste0(tokens[[i]], if (i < length(tokens) || length(tokens) == 1) "," else "")
    if (i > 1 && nchar(line) + 1 + nchar(tok) > 97) {
      lines <- c(lines, line)
      line <- paste0(strrep(" ", hang), tok)
    } else {
      line <- paste0(line, if (i > 1) " " else "", tok)
    }
  }
  cat(paste(c(lines, paste0(line, close)), collapse = "\n"), "\n", sep = "")
}

subset_of <- function(d, col, value) {
  if (is.null(col)) d else d[!is.na(d[[col]]) & d[[col]] == value, ]
}
fit_of <- function(d, conf_type) survfit(Surv(time, event) ~ 1, data = d, conf.type = conf_type)

cat(sprintf("# Rscript tests/reference/km_reference.R: R %s, survival %s\n",
            getRversion(), packageVersion("survival")))

# --- KM_MEDIANS: (dataset, group column, group value, conf.type, median, LCL, UCL) ---------

curves <- list(
  list("lung", NULL, NULL), list("lung", "sex", 1), list("lung", "sex", 2),
  list("lung", "ecog", 0), list("lung", "ecog", 2),
  list("waltons", NULL, NULL), list("waltons", "group", "control"),
  list("waltons", "group", "miR-137"),
  list("rossi", NULL, NULL), list("rossi", "fin", 1),
  list("gbsg2", NULL, NULL), list("gbsg2", "horTh", "no"), list("gbsg2", "horTh", "yes"),
  list("gbsg2", "tgrade", "I"), list("gbsg2", "tgrade", "III"),
  list("larynx", NULL, NULL), list("larynx", "stage", 1), list("larynx", "stage", 4),
  list("leukemia", NULL, NULL), list("leukemia", "Rx", 0), list("leukemia", "Rx", 1)
)
cat("KM_MEDIANS = [\n")
for (cv in curves) {
  d <- subset_of(datasets[[cv[[1]]]], cv[[2]], cv[[3]])
  for (ct in conf_types) {
    tb <- summary(fit_of(d, ct))$table
    wrap(c(val(cv[[1]]), val(cv[[2]]), val(cv[[3]]), val(ct),
           num(tb[["median"]]), num(tb[["0.95LCL"]]), num(tb[["0.95UCL"]])), 4)
  }
}
cat("]\n\n")

# --- LANDMARKS: (dataset, column, value, conf.type, time, n.risk, surv, lower, upper) -------

landmarks <- list(
  list("lung", NULL, NULL, c(0, 180, 365, 730, 1100)), list("lung", "sex", 2, c(180, 365)),
  list("waltons", NULL, NULL, c(30, 60)), list("rossi", NULL, NULL, c(26, 52)),
  list("gbsg2", NULL, NULL, c(365, 1825)), list("larynx", NULL, NULL, c(2, 5)),
  list("leukemia", "Rx", 1, c(5.5, 10, 23))
)
cat("LANDMARKS = [\n")
for (lm in landmarks) {
  d <- subset_of(datasets[[lm[[1]]]], lm[[2]], lm[[3]])
  for (ct in conf_types) {
    s <- summary(fit_of(d, ct), times = lm[[4]], extend = TRUE)
    for (i in seq_along(s$time)) {
      wrap(c(val(lm[[1]]), val(lm[[2]]), val(lm[[3]]), val(ct), num(s$time[i]),
             num(s$n.risk[i]), nums(c(s$surv[i], s$lower[i], s$upper[i]))), 4)
    }
  }
}
cat("]\n\n")

# --- LOGRANK: (dataset, group column, chisq, df, p); rows with a missing group drop out -----

tests <- list(
  list("lung", "sex"), list("lung", "ecog"), list("waltons", "group"), list("rossi", "fin"),
  list("gbsg2", "horTh"), list("gbsg2", "tgrade"), list("larynx", "stage"),
  list("leukemia", "Rx")
)
cat("LOGRANK = [\n")
for (tt in tests) {
  sd <- survdiff(as.formula(paste("Surv(time, event) ~", tt[[2]])), data = datasets[[tt[[1]]]])
  df <- sum(sd$exp > 0) - 1  # as print.survdiff
  wrap(c(val(tt[[1]]), val(tt[[2]]), num(sd$chisq), num(df),
         num(pchisq(sd$chisq, df, lower.tail = FALSE))), 4)
}
cat("]\n\n")

# --- EDGE_MEDIANS: (case, conf.type, print's median, LCL, UCL, quantile's three) ------------

cat("EDGE_MEDIANS = [\n")
for (name in names(edge)) {
  d <- as.data.frame(edge[[name]])
  for (ct in conf_types) {
    f <- fit_of(d, ct)
    tb <- summary(f)$table
    q <- quantile(f, 0.5)
    wrap(c(val(name), val(ct), num(tb[["median"]]), num(tb[["0.95LCL"]]), num(tb[["0.95UCL"]]),
           num(q$quantile), num(q$lower), num(q$upper)), 4)
  }
}
cat("]\n\n")

# --- EDGE_CURVES: the data and the whole curve of each hand-made case ----------------------

cat("EDGE_CURVES = {\n")
for (name in names(edge)) {
  d <- as.data.frame(edge[[name]])
  f <- fit_of(d, "log")
  cat(sprintf("    %s: {\n", val(name)))
  for (field in c("time", "event")) wrap(nums(d[[field]]), 8, sprintf('"data_%s": ', field))
  for (field in c("time", "n.risk", "n.event", "n.censor", "surv", "std.err")) {
    wrap(nums(f[[field]]), 8, sprintf('"%s": ', gsub(".", "_", field, fixed = TRUE)))
  }
  for (ct in conf_types) {
    f <- fit_of(d, ct)
    wrap(nums(f$lower), 8, sprintf('"lower %s": ', ct))
    wrap(nums(f$upper), 8, sprintf('"upper %s": ', ct))
  }
  cat("    },\n")
}
cat("}\n")
