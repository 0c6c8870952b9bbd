//! `clerk-emulator [--port N] [--clock real|manual] [--start-ms N] [--secret-key sk_...]
//! [--skew-ms N] [--session-token-version 1|2] [--user ID]... [--ignore-stdin]`
//!
//! Prints `CLERK_EMULATOR_URL=http://127.0.0.1:PORT` as its first stdout line, then serves until
//! stdin is closed (so it dies with the process that spawned it), SIGTERM or SIGINT.

use std::io::Write;
use std::process::ExitCode;

use clerk_emulator::{ClockMode, DEFAULT_START_MS, Emulator, EmulatorConfig, MAX_TIME_MS, User};

const USAGE: &str = "usage: clerk-emulator [--port N] [--clock real|manual] [--start-ms N] \
[--secret-key sk_...] [--skew-ms N] [--session-token-version 1|2] [--user ID]... [--ignore-stdin]";

/// `--help`: every flag, the clock modes, and how to get a ticket to sign in with.
const HELP: &str = "\
clerk-emulator: the Clerk Frontend and Backend API endpoints the SDK uses, on 127.0.0.1.
Prints CLERK_EMULATOR_URL=http://127.0.0.1:PORT as its first line, then serves until its
standard input closes (so it ends with the process that started it), SIGTERM or SIGINT.

Options:
  --port N                     listen on this port (default: a free one)
  --clock manual|real          manual (default): time stands still at --start-ms and moves only
                               through POST /__emulator/clock/advance or /clock/set, so tests
                               decide when tokens expire; real: the machine's clock
  --start-ms N                 the manual clock's start, Unix ms (default 1767225600000)
  --secret-key sk_...          the Backend API secret key it accepts (default sk_test_emulator)
  --skew-ms N                  the server's clock this far ahead (negative: behind)
  --session-token-version 1|2  the session token claims format (default 2)
  --user ID                    a user of the instance (repeatable), beside user_alice, user_bob
                               and user_carol
  --ignore-stdin               keep serving when standard input closes (e.g. started with
                               nohup or from a terminal: stop it with Ctrl-C)
  -h, --help                   this text

An app run by hand against it: start it with --clock real, configure the facade with the
printed URL instead of a publishable key (Kotlin Clerk.configure(frontendApiUrl = URL), Swift
Clerk.shared.configure(frontendApiUrl: URL)), and sign in with a ticket, as an app's backend
would make one:
  curl -s -X POST $URL/__emulator/sign_in_tokens -H 'content-type: application/json' \\
       -d '{\"user_id\":\"user_alice\"}'
  gives {\"token\": \"<ticket>\", ...}: pass the ticket to signInWithTicket (Kotlin) or
  signIn(ticket:) (Swift). Any user id works: an unknown one is registered first.
The control API (faults, clock, users, organizations, request log): tests/emulator/README.md.
";

struct Args {
    config: EmulatorConfig,
    watch_stdin: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = EmulatorConfig::default();
    let mut clock = "manual".to_string();
    let mut start_ms = DEFAULT_START_MS;
    let mut watch_stdin = true;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                config.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--clock" => clock = value("--clock")?,
            "--start-ms" => {
                start_ms = value("--start-ms")?
                    .parse()
                    .map_err(|e| format!("--start-ms: {e}"))?
            }
            "--secret-key" => config.secret_key = value("--secret-key")?,
            "--skew-ms" => {
                config.skew_ms = value("--skew-ms")?
                    .parse()
                    .map_err(|e| format!("--skew-ms: {e}"))?
            }
            "--session-token-version" => {
                let version: u8 = value("--session-token-version")?
                    .parse()
                    .map_err(|e| format!("--session-token-version: {e}"))?;
                config.session_token_version = version
                    .try_into()
                    .map_err(|e| format!("--session-token-version: {e}"))?;
            }
            // Users beside the default ones; memberships go through the control API.
            "--user" => {
                let id = value("--user")?;
                if id.is_empty() {
                    return Err("--user needs a non-empty user id".into());
                }
                config.users.push(User::new(id));
            }
            "--ignore-stdin" => watch_stdin = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    // The emulator reports times within 1970..=9999 (HTTP dates end there).
    if !(0..=MAX_TIME_MS).contains(&start_ms) {
        return Err(format!("--start-ms must be from 0 to {MAX_TIME_MS}"));
    }
    if config.skew_ms.unsigned_abs() > MAX_TIME_MS.unsigned_abs() {
        return Err(format!("--skew-ms must be within ±{MAX_TIME_MS}"));
    }
    config.clock = match clock.as_str() {
        "manual" => ClockMode::Manual { start_ms },
        "real" => ClockMode::Real,
        other => return Err(format!("--clock must be `real` or `manual`, not `{other}`")),
    };
    Ok(Args {
        config,
        watch_stdin,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) if msg.is_empty() => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("clerk-emulator: {msg}");
            eprintln!("{USAGE}");
            eprintln!("(clerk-emulator --help explains each flag)");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start_blocking(args.config) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("clerk-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("clerk-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // Handlers go in before the URL is printed: a parent may signal as soon as it reads it.
        let exit = exit_requested(args.watch_stdin);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "CLERK_EMULATOR_URL={}", emulator.url());
        let _ = out.flush();
        drop(out);
        exit.await;
    });
    emulator.stop();
    // The stdin reader thread may still be blocked in read(); exit without waiting for it.
    std::process::exit(0)
}

/// Registers the exit conditions now and returns a future that resolves on the first of them:
/// stdin closed (when watched), SIGTERM or SIGINT.
fn exit_requested(watch_stdin: bool) -> impl std::future::Future<Output = ()> {
    let (stdin_closed_tx, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    if watch_stdin {
        // A plain thread: a blocking read cannot be cancelled, so it must not hold up shutdown.
        std::thread::spawn(move || {
            let mut sink = [0u8; 1024];
            let mut stdin = std::io::stdin().lock();
            while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
            let _ = stdin_closed_tx.send(());
        });
    } else {
        std::mem::forget(stdin_closed_tx);
    }
    let signals = Signals::register();
    async move {
        let stdin_closed = async {
            if stdin_closed.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = stdin_closed => {}
            _ = signals.recv() => {}
        }
    }
}

#[cfg(unix)]
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn register() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        }
    }

    async fn recv(mut self) {
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.term) => {}
            _ = next(&mut self.int) => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn register() -> Self {
        Signals
    }

    async fn recv(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
