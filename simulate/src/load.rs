//! Sending: the feed of signed webhooks, the closed and open loops, the progress line.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::stats::{Answer, Recorder, Summary};
use super::{sign, Generator, SimulateArgs, SimulateError};

/// Counts up to this are generated and signed before the clock starts, so the measured run
/// spends no time building JSON; larger runs generate as they go.
const PREGENERATE_UP_TO: u64 = 200_000;

/// One webhook ready to send.
struct Delivery {
    body: reqwest::Body,
    signature: HeaderValue,
}

/// Where the webhooks come from: made in advance, or made on demand.
enum Feed {
    Ready {
        deliveries: Mutex<std::vec::IntoIter<Delivery>>,
    },
    Live {
        generator: Box<Mutex<Generator>>,
        secret: Vec<u8>,
        left: AtomicU64,
    },
}

fn delivery(secret: &[u8], body: Vec<u8>) -> Delivery {
    let signature = HeaderValue::from_str(&sign(secret, &body)).expect("hex is a valid header");
    Delivery {
        body: body.into(),
        signature,
    }
}

impl Feed {
    fn new(args: &SimulateArgs, count: Option<u64>) -> Self {
        let mut generator = Generator::new(args.seed, args.world(), &args.only);
        let secret = args.secret.as_bytes().to_vec();
        match count {
            Some(n) if n <= PREGENERATE_UP_TO => {
                let deliveries: Vec<Delivery> = (0..n)
                    .map_while(|_| generator.next_payload())
                    .map(|p| delivery(&secret, p.body))
                    .collect();
                Feed::Ready {
                    deliveries: Mutex::new(deliveries.into_iter()),
                }
            }
            _ => Feed::Live {
                generator: Box::new(Mutex::new(generator)),
                secret,
                left: AtomicU64::new(count.unwrap_or(u64::MAX)),
            },
        }
    }

    fn next(&self) -> Option<Delivery> {
        match self {
            Feed::Ready { deliveries } => lock(deliveries).next(),
            Feed::Live {
                generator,
                secret,
                left,
            } => {
                left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .ok()?;
                let payload = lock(generator).next_payload()?;
                Some(delivery(secret, payload.body))
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The receiver and how to talk to it.
struct Target {
    client: reqwest::Client,
    url: String,
}

impl Target {
    fn new(args: &SimulateArgs) -> Result<Self, reqwest::Error> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            "x-salla-security-strategy",
            HeaderValue::from_static("Signature"),
        );
        let client = reqwest::Client::builder()
            .no_proxy()
            .default_headers(headers)
            .user_agent(concat!("storesync-simulate/", env!("CARGO_PKG_VERSION")))
            // One kept-alive connection per sender.
            .pool_max_idle_per_host(args.concurrency)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(args.timeout))
            .build()?;
        Ok(Target {
            client,
            url: args.endpoint(),
        })
    }

    async fn send(&self, delivery: Delivery) -> Answer {
        let sent = self
            .client
            .post(&self.url)
            .header("x-salla-signature", delivery.signature)
            .body(delivery.body)
            .send()
            .await;
        let Ok(response) = sent else {
            return Answer::Transport;
        };
        let code = response.status().as_u16();
        let Ok(bytes) = response.bytes().await else {
            return Answer::Transport;
        };
        let outcome = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("status")?.as_str().map(str::to_owned));
        Answer::Http { code, outcome }
    }
}

/// Sends the webhooks `args` describe and returns what was measured.
pub async fn run(args: &SimulateArgs) -> Result<Summary, SimulateError> {
    let (count, duration) = args.limits();
    let target = Arc::new(Target::new(args)?);
    let feed = Arc::new(Feed::new(args, count));
    let recorder = Arc::new(Recorder::default());
    let stop = Arc::new(AtomicBool::new(false));

    let started = Instant::now();
    let deadline = duration.map(|d| started + d);
    let progress = (!args.quiet).then(|| spawn_progress(recorder.clone(), started));
    let ctrl_c = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        })
    };

    let shared = Shared {
        target,
        feed,
        recorder: recorder.clone(),
        stop,
        deadline,
    };
    match args.rate {
        None => closed_loop(shared, args.concurrency).await,
        Some(rate) => open_loop(shared, args.concurrency, rate).await,
    }
    let elapsed = started.elapsed();

    ctrl_c.abort();
    if let Some(progress) = progress {
        progress.abort();
        if std::io::stderr().is_terminal() {
            eprintln!();
        }
    }
    Ok(recorder.summary(elapsed))
}

struct Shared {
    target: Arc<Target>,
    feed: Arc<Feed>,
    recorder: Arc<Recorder>,
    stop: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Shared {
    fn more(&self) -> Option<Delivery> {
        if self.stop.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        self.feed.next()
    }
}

/// `concurrency` senders, each sending its next webhook when the last one is answered.
async fn closed_loop(shared: Shared, concurrency: usize) {
    let shared = Arc::new(shared);
    let senders: Vec<_> = (0..concurrency)
        .map(|_| {
            let shared = shared.clone();
            tokio::spawn(async move {
                while let Some(delivery) = shared.more() {
                    let began = Instant::now();
                    let answer = shared.target.send(delivery).await;
                    shared.recorder.record(began.elapsed(), answer);
                }
            })
        })
        .collect();
    for sender in senders {
        // A sender cannot panic short of a bug; its requests are counted either way.
        let _ = sender.await;
    }
}

/// Webhooks due every `1 / rate` seconds, at most `concurrency` in flight. Latency counts
/// from when a webhook was due, so waiting for a free slot is part of it.
async fn open_loop(shared: Shared, concurrency: usize, rate: f64) {
    let slots = Arc::new(Semaphore::new(concurrency));
    let interval = Duration::from_secs_f64(1.0 / rate);
    let first = Instant::now();
    let mut sent: u32 = 0;
    loop {
        let due = first + interval * sent;
        tokio::time::sleep_until(due).await;
        let Some(delivery) = shared.more() else { break };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let target = shared.target.clone();
        let recorder = shared.recorder.clone();
        tokio::spawn(async move {
            let answer = target.send(delivery).await;
            recorder.record(due.elapsed(), answer);
            drop(slot);
        });
        sent = sent.saturating_add(1);
    }
    // Wait for the requests in flight.
    let _ = slots.acquire_many(concurrency as u32).await;
}

/// Prints a progress line every second on stderr (in place on a terminal).
fn spawn_progress(recorder: Arc<Recorder>, started: Instant) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        let every = Duration::from_secs(1);
        let mut ticks = tokio::time::interval_at(started + every, every);
        let mut last = 0;
        loop {
            ticks.tick().await;
            let now = recorder.sent();
            let line = recorder.progress(started.elapsed(), now - last, every);
            last = now;
            if terminal {
                eprint!("\r{line}");
            } else {
                eprintln!("{line}");
            }
        }
    })
}
