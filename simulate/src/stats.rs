//! What a simulation run measured: latencies in an HDR histogram, answers by status, and
//! the progress line and final report built from them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{json, Value};

/// Longest latency the histogram holds exactly, in microseconds (larger ones are clamped).
const MAX_MICROS: u64 = 120_000_000;

/// How one request ended.
#[derive(Debug)]
pub enum Answer {
    /// An HTTP answer: its status code and the `status` field of its JSON body, if any.
    Http {
        /// HTTP status code.
        code: u16,
        /// `status` of the ingest result (`processed`, `duplicate`, `ignored`, `failed`).
        outcome: Option<String>,
    },
    /// No HTTP answer (connection refused or reset, timeout).
    Transport,
}

/// Collects the answers of concurrent requests.
pub struct Recorder {
    all: Mutex<Histogram<u64>>,
    /// Latencies since the last progress line.
    recent: Mutex<Histogram<u64>>,
    sent: AtomicU64,
    non_2xx: AtomicU64,
    transport_errors: AtomicU64,
    codes: Mutex<BTreeMap<u16, u64>>,
    outcomes: Mutex<BTreeMap<String, u64>>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            all: Mutex::new(histogram()),
            recent: Mutex::new(histogram()),
            sent: AtomicU64::new(0),
            non_2xx: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
            codes: Mutex::new(BTreeMap::new()),
            outcomes: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Recorder {
    /// Records one finished request.
    pub fn record(&self, latency: Duration, answer: Answer) {
        let micros = (latency.as_micros() as u64).clamp(1, MAX_MICROS);
        lock(&self.all).saturating_record(micros);
        lock(&self.recent).saturating_record(micros);
        self.sent.fetch_add(1, Ordering::Relaxed);
        match answer {
            Answer::Http { code, outcome } => {
                if !(200..300).contains(&code) {
                    self.non_2xx.fetch_add(1, Ordering::Relaxed);
                }
                *lock(&self.codes).entry(code).or_default() += 1;
                if let Some(outcome) = outcome {
                    *lock(&self.outcomes).entry(outcome).or_default() += 1;
                }
            }
            Answer::Transport => {
                self.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Requests finished so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Requests that got no 2xx answer (non-2xx or no answer at all) so far.
    pub fn failed(&self) -> u64 {
        self.non_2xx.load(Ordering::Relaxed) + self.transport_errors.load(Ordering::Relaxed)
    }

    /// The progress line: totals, the rate since the last line and its p99. Resets the
    /// recent latencies.
    pub fn progress(&self, elapsed: Duration, since_last: u64, interval: Duration) -> String {
        let p99 = {
            let mut recent = lock(&self.recent);
            let p99 = recent.value_at_quantile(0.99);
            recent.reset();
            p99
        };
        format!(
            "{:>7.1}s  sent {:>8}  {:>8.0} req/s  p99 {:>8.2} ms  not 2xx {}",
            elapsed.as_secs_f64(),
            self.sent(),
            since_last as f64 / interval.as_secs_f64().max(1e-9),
            ms(p99),
            self.failed(),
        )
    }

    /// The final figures of a run that lasted `elapsed`.
    pub fn summary(&self, elapsed: Duration) -> Summary {
        let all = lock(&self.all);
        let sent = self.sent();
        Summary {
            sent,
            elapsed,
            non_2xx: self.non_2xx.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
            p50_ms: ms(all.value_at_quantile(0.50)),
            p90_ms: ms(all.value_at_quantile(0.90)),
            p99_ms: ms(all.value_at_quantile(0.99)),
            max_ms: ms(all.max()),
            mean_ms: all.mean() / 1000.0,
            codes: lock(&self.codes).clone(),
            outcomes: lock(&self.outcomes).clone(),
        }
    }
}

/// A poisoned lock only means another sender panicked; the counts are still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// The figures of a finished run.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Requests finished (answered or failed).
    pub sent: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Answers outside 2xx.
    pub non_2xx: u64,
    /// Requests without an HTTP answer.
    pub transport_errors: u64,
    /// Latency percentiles and extremes, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile latency, ms.
    pub p90_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Largest latency, ms.
    pub max_ms: f64,
    /// Mean latency, ms.
    pub mean_ms: f64,
    /// Answers by HTTP status code.
    pub codes: BTreeMap<u16, u64>,
    /// 2xx answers by ingest status (`processed`, `ignored`, …).
    pub outcomes: BTreeMap<String, u64>,
}

impl Summary {
    /// Finished requests per second of wall time.
    pub fn rate(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The summary as one JSON object (for scripts: `--json`).
    pub fn to_json(&self) -> Value {
        json!({
            "sent": self.sent,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "req_per_s": self.rate(),
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "mean_ms": self.mean_ms,
            "non_2xx": self.non_2xx,
            "transport_errors": self.transport_errors,
            "http": self.codes.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "outcomes": self.outcomes,
        })
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let join = |items: Vec<String>| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        let codes = join(
            self.codes
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect(),
        );
        let outcomes = join(
            self.outcomes
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect(),
        );
        format!(
            "requests  {} in {:.2} s = {:.1} req/s\n\
             latency   p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (mean {:.2} ms)\n\
             not 2xx   {} (HTTP errors {}, no answer {})\n\
             HTTP      {codes}\n\
             ingest    {outcomes}",
            self.sent,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
            self.mean_ms,
            self.non_2xx + self.transport_errors,
            self.non_2xx,
            self.transport_errors,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(outcome: &str) -> Answer {
        Answer::Http {
            code: 200,
            outcome: Some(outcome.to_owned()),
        }
    }

    #[test]
    fn percentiles_and_counts_come_from_what_was_recorded() {
        let recorder = Recorder::default();
        for ms in 1..=100u64 {
            recorder.record(Duration::from_millis(ms), ok("processed"));
        }
        recorder.record(
            Duration::from_millis(5),
            Answer::Http {
                code: 401,
                outcome: None,
            },
        );
        recorder.record(Duration::from_millis(5), Answer::Transport);
        let summary = recorder.summary(Duration::from_secs(2));
        assert_eq!(summary.sent, 102);
        assert_eq!(summary.non_2xx, 1);
        assert_eq!(summary.transport_errors, 1);
        assert!((summary.p50_ms - 50.0).abs() < 1.0, "{summary:?}");
        assert!((summary.p99_ms - 99.0).abs() < 1.0, "{summary:?}");
        assert!((summary.max_ms - 100.0).abs() < 0.1, "{summary:?}");
        assert!((summary.rate() - 51.0).abs() < 1e-9);
        assert_eq!(summary.codes[&200], 100);
        assert_eq!(summary.outcomes["processed"], 100);
        let json = summary.to_json();
        assert_eq!(json["sent"], 102);
        assert_eq!(json["http"]["401"], 1);
        assert_eq!(json["outcomes"]["processed"], 100);
        let text = summary.to_text();
        assert!(
            text.contains("not 2xx   2 (HTTP errors 1, no answer 1)"),
            "{text}"
        );
    }

    #[test]
    fn progress_reports_the_recent_interval_only() {
        let recorder = Recorder::default();
        recorder.record(Duration::from_millis(80), ok("processed"));
        let first = recorder.progress(Duration::from_secs(1), 1, Duration::from_secs(1));
        assert!(first.contains("p99    80."), "{first}");
        recorder.record(Duration::from_millis(2), ok("processed"));
        let second = recorder.progress(Duration::from_secs(2), 1, Duration::from_secs(1));
        assert!(second.contains("p99     2."), "{second}");
        assert!(second.contains("sent        2"), "{second}");
    }
}
