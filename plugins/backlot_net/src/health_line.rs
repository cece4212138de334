//! A listener's [`HealthReport`] as the one line every panel shows for it. Plain data, so
//! that the panels (which draw with egui; this crate does not) word it alike and colour it
//! by its [`HealthSeverity`].

use crate::health::HealthReport;

/// How a listener is doing, for the colour its line is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthSeverity {
    /// Running, no socket errors, no handler panics.
    Ok,
    /// Socket errors or handler panics: it runs, but something is wrong.
    Failing,
    /// The thread is gone: nothing arrives through this listener any more.
    Stopped,
}

/// A listener's health as one line of text, and how bad it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthLine {
    /// `<name>: N received, N socket errors, N handler panics[, N refused][ (last: …)]`,
    /// ending ` — STOPPED` when the thread is gone.
    pub text: String,
    /// The colour to draw it in.
    pub severity: HealthSeverity,
}

impl HealthReport {
    /// This report as the line a panel shows for the listener called `name`: what it took,
    /// its errors, and whether its thread still runs.
    pub fn line(&self, name: &str) -> HealthLine {
        let refused = if self.refused > 0 {
            format!(", {} refused", self.refused)
        } else {
            String::new()
        };
        let last = self
            .last_error
            .as_ref()
            .map(|e| format!(" (last: {e})"))
            .unwrap_or_default();
        let text = format!(
            "{name}: {} received, {} socket errors, {} handler panics{refused}{last}",
            self.received, self.errors, self.panics
        );
        if !self.running {
            HealthLine {
                text: format!("{text} — STOPPED"),
                severity: HealthSeverity::Stopped,
            }
        } else if self.errors > 0 || self.panics > 0 {
            HealthLine {
                text,
                severity: HealthSeverity::Failing,
            }
        } else {
            HealthLine {
                text,
                severity: HealthSeverity::Ok,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_running_listener_is_ok() {
        let h = HealthReport {
            received: 2,
            running: true,
            ..HealthReport::default()
        };
        assert_eq!(
            h.line("osc udp"),
            HealthLine {
                text: "osc udp: 2 received, 0 socket errors, 0 handler panics".to_string(),
                severity: HealthSeverity::Ok,
            }
        );
    }

    #[test]
    fn refusals_and_the_last_error_are_said() {
        let h = HealthReport {
            received: 5,
            refused: 3,
            running: true,
            last_error: Some("too many connections".into()),
            ..HealthReport::default()
        };
        assert_eq!(
            h.line("osc tcp").text,
            "osc tcp: 5 received, 0 socket errors, 0 handler panics, 3 refused \
             (last: too many connections)"
        );
        // Refusals are the limit doing its job, not a failure.
        assert_eq!(h.line("osc tcp").severity, HealthSeverity::Ok);
    }

    #[test]
    fn a_stopped_or_failing_listener_is_marked() {
        let failing = HealthReport {
            received: 7,
            errors: 2,
            running: true,
            last_error: Some("tracking: connection refused".into()),
            ..HealthReport::default()
        };
        assert_eq!(
            failing.line("receive thread"),
            HealthLine {
                text: "receive thread: 7 received, 2 socket errors, 0 handler panics \
                       (last: tracking: connection refused)"
                    .to_string(),
                severity: HealthSeverity::Failing,
            }
        );
        let panicked = HealthReport {
            errors: 0,
            panics: 1,
            ..failing.clone()
        };
        assert_eq!(panicked.line("x").severity, HealthSeverity::Failing);
        let stopped = HealthReport {
            panics: 1,
            running: false,
            ..failing
        };
        let line = stopped.line("receive thread");
        assert_eq!(line.severity, HealthSeverity::Stopped);
        assert!(line.text.ends_with(" — STOPPED"), "{}", line.text);
        assert!(line.text.contains("1 handler panics"), "{}", line.text);
    }

    #[test]
    fn a_stopped_quiet_listener_is_still_stopped() {
        let h = HealthReport::default();
        assert_eq!(
            h.line("artnet"),
            HealthLine {
                text: "artnet: 0 received, 0 socket errors, 0 handler panics — STOPPED".to_string(),
                severity: HealthSeverity::Stopped,
            }
        );
    }
}
