//! How many requests for one path the emulator is answering at once, and the most since the
//! last reset: single flight, seen from the server's side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::app::App;

#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<Gauge>,
}

#[derive(Debug, Default)]
struct Gauge {
    by_path: HashMap<String, u64>,
    most: u64,
}

impl InFlight {
    fn gauge(&self) -> std::sync::MutexGuard<'_, Gauge> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The most requests for one path that were open together since the last reset.
    pub fn most(&self) -> u64 {
        self.gauge().most
    }

    pub fn reset(&self) {
        let mut gauge = self.gauge();
        gauge.most = gauge.by_path.values().copied().max().unwrap_or(0);
    }
}

/// Held while one request is answered.
pub(crate) struct Entered {
    app: Arc<App>,
    path: String,
}

impl Entered {
    pub fn new(app: Arc<App>, path: &str) -> Self {
        {
            let mut gauge = app.in_flight.gauge();
            let open = gauge.by_path.entry(path.to_string()).or_default();
            *open += 1;
            let open = *open;
            gauge.most = gauge.most.max(open);
        }
        Self { app, path: path.to_string() }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let mut gauge = self.app.in_flight.gauge();
        if let Some(open) = gauge.by_path.get_mut(&self.path) {
            *open -= 1;
            if *open == 0 {
                gauge.by_path.remove(&self.path);
            }
        }
    }
}
